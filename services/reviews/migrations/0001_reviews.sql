-- The reviews service's schema: what it learns from events (people and their public names and
-- pictures, sellers' profile ids, completed orders: who may review whom), and the reviews.

-- People as auth announces them.
CREATE TABLE people (
    user_id     UUID PRIMARY KEY,
    username    TEXT NOT NULL,
    email       TEXT NOT NULL,
    picture_url TEXT
);

-- Seller profiles (users): a seller's page names the profile id, reviews the account; the
-- profile's picture, when it has one, is the person's public face. Kept apart from `people`
-- so that either event may arrive first; the newest seller event wins (`snapshot_at`).
CREATE TABLE sellers (
    seller_id   UUID PRIMARY KEY,
    user_id     UUID NOT NULL UNIQUE,
    picture_url TEXT,
    snapshot_at TIMESTAMPTZ NOT NULL
);

-- Completed orders (`order.completed.v1`): the only source of eligibility.
CREATE TABLE completed_orders (
    order_id       UUID PRIMARY KEY,
    gig_id         UUID NOT NULL,
    gig_title      TEXT,
    buyer_user_id  UUID NOT NULL,
    seller_user_id UUID NOT NULL,
    completed_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE reviews (
    id               UUID PRIMARY KEY,
    order_id         UUID NOT NULL REFERENCES completed_orders (order_id),
    gig_id           UUID NOT NULL,
    -- buyer_to_seller: the buyer rates the seller and the gig; seller_to_buyer: the other way.
    direction        TEXT NOT NULL CHECK (direction IN ('buyer_to_seller', 'seller_to_buyer')),
    reviewer_user_id UUID NOT NULL,
    reviewee_user_id UUID NOT NULL,
    rating           SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text             TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    -- Once per side of an order.
    UNIQUE (order_id, direction)
);
CREATE INDEX reviews_of_gig ON reviews (gig_id, created_at DESC, id DESC)
    WHERE direction = 'buyer_to_seller';
CREATE INDEX reviews_of_reviewee ON reviews (reviewee_user_id, direction, created_at DESC, id DESC);
