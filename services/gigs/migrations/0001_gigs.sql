-- The gigs service's schema: sellers as the users service announces them, and their gigs with
-- a weighted full-text vector (title, then tags and category names, then description) and a
-- trigram text for misspelt searches.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- `array_to_string` is only STABLE in general; for text[] it is deterministic, which generated
-- columns need.
CREATE FUNCTION gig_words(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string($1, ' ') $$;

CREATE TABLE sellers (
    user_id             UUID PRIMARY KEY,
    seller_id           UUID NOT NULL UNIQUE,
    username            TEXT NOT NULL,
    full_name           TEXT NOT NULL,
    profile_picture_url TEXT,
    country             TEXT,
    rating_count        BIGINT NOT NULL DEFAULT 0,
    rating_sum          BIGINT NOT NULL DEFAULT 0,
    -- When the event the snapshot comes from happened: an older one arriving late is ignored.
    snapshot_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE gigs (
    id             UUID PRIMARY KEY,
    seller_user_id UUID NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    category       TEXT NOT NULL,
    sub_categories TEXT[] NOT NULL,
    -- The category's and sub-categories' names, for the search vector.
    category_words TEXT NOT NULL,
    tags           TEXT[] NOT NULL,
    price_amount   BIGINT NOT NULL CHECK (price_amount > 0),
    price_currency TEXT NOT NULL,
    delivery_days  INTEGER NOT NULL CHECK (delivery_days > 0),
    cover_image    TEXT,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    deleted_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    rating_count   BIGINT NOT NULL DEFAULT 0,
    rating_sum     BIGINT NOT NULL DEFAULT 0,
    stars_1        BIGINT NOT NULL DEFAULT 0,
    stars_2        BIGINT NOT NULL DEFAULT 0,
    stars_3        BIGINT NOT NULL DEFAULT 0,
    stars_4        BIGINT NOT NULL DEFAULT 0,
    stars_5        BIGINT NOT NULL DEFAULT 0,
    -- The Bayesian average: the reviews plus a prior of 10 reviews of 4 stars, so a gig with
    -- one 5-star review (4.09) does not outrank one with two hundred 4.9s (4.86).
    rating_score   DOUBLE PRECISION GENERATED ALWAYS AS
        ((rating_sum + 40.0) / (rating_count + 10.0)) STORED,
    search         TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, gig_words(tags)), 'B') ||
        setweight(to_tsvector('english'::regconfig, category_words), 'B') ||
        setweight(to_tsvector('english'::regconfig, description), 'C')
    ) STORED,
    fuzzy          TEXT GENERATED ALWAYS AS (lower(title || ' ' || gig_words(tags))) STORED
);

-- Every read sees live gigs only; the partial indexes hold nothing else.
CREATE INDEX gigs_search ON gigs USING GIN (search) WHERE deleted_at IS NULL AND active;
CREATE INDEX gigs_fuzzy ON gigs USING GIN (fuzzy gin_trgm_ops) WHERE deleted_at IS NULL AND active;
CREATE INDEX gigs_newest ON gigs (created_at DESC, id DESC) WHERE deleted_at IS NULL AND active;
CREATE INDEX gigs_price ON gigs (price_amount, id) WHERE deleted_at IS NULL AND active;
CREATE INDEX gigs_category_rating ON gigs (category, rating_score DESC, id DESC)
    WHERE deleted_at IS NULL AND active;
CREATE INDEX gigs_seller ON gigs (seller_user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
