-- Covers from before uploads were links or unchecked keys in `cover_image`: a link keeps
-- showing (as its own URL), an unchecked key is dropped, since nothing proves it is the seller's.
UPDATE gigs SET cover_image_url = cover_image WHERE cover_image ~ '^https?://' AND cover_image_url IS NULL;
UPDATE gigs SET cover_image = NULL WHERE cover_image IS NOT NULL AND cover_image_url IS NULL;
