-- A gig's cover is an uploaded object: its key (`cover_image`, the clean-up of unreferenced
-- uploads looks for it) and the public URL it is read from, fixed when it is attached.
ALTER TABLE gigs ADD COLUMN cover_image_url TEXT;
CREATE INDEX gigs_cover ON gigs (cover_image) WHERE cover_image IS NOT NULL;
