-- The orders service's schema: what it learns from events (people, gigs, accepted offers), the
-- orders with their history, extensions, deliveries and payments, the refunds still owed, and
-- the in-app alerts ("notifications" in the public API).

-- People as auth announces them: the names and addresses emails go to.
CREATE TABLE people (
    user_id  UUID PRIMARY KEY,
    username TEXT NOT NULL,
    email    TEXT NOT NULL
);

-- Gigs as gigs announces them: the price an order of the gig pays. An older event arriving
-- after a newer one is ignored (`snapshot_at`).
CREATE TABLE gigs (
    gig_id         UUID PRIMARY KEY,
    seller_user_id UUID NOT NULL,
    title          TEXT NOT NULL,
    price_amount   BIGINT NOT NULL,
    price_currency TEXT NOT NULL,
    delivery_days  INTEGER NOT NULL,
    active         BOOLEAN NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE,
    snapshot_at    TIMESTAMPTZ NOT NULL
);

-- Custom offers buyers accepted in chat: the terms an order of the offer pays.
CREATE TABLE offers (
    offer_id       UUID PRIMARY KEY,
    conversation_id UUID NOT NULL,
    gig_id         UUID NOT NULL,
    buyer_user_id  UUID NOT NULL,
    seller_user_id UUID NOT NULL,
    description    TEXT NOT NULL,
    price_amount   BIGINT NOT NULL,
    price_currency TEXT NOT NULL,
    delivery_days  INTEGER NOT NULL,
    accepted_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE orders (
    id                UUID PRIMARY KEY,
    buyer_user_id     UUID NOT NULL,
    seller_user_id    UUID NOT NULL,
    gig_id            UUID NOT NULL,
    offer_id          UUID,
    title             TEXT NOT NULL,
    -- The offer's description, for an order of a custom offer.
    offer_description TEXT,
    requirements      TEXT NOT NULL,
    price_amount      BIGINT NOT NULL CHECK (price_amount > 0),
    fee_amount        BIGINT NOT NULL CHECK (fee_amount >= 0),
    currency          TEXT NOT NULL,
    delivery_days     INTEGER NOT NULL CHECK (delivery_days > 0),
    status            TEXT NOT NULL CHECK (status IN
        ('pending_payment', 'payment_failed', 'in_progress', 'delivered', 'completed', 'cancelled')),
    revisions_used    INTEGER NOT NULL DEFAULT 0,
    max_revisions     INTEGER NOT NULL,
    -- The buyer's key and a digest of what they sent with it: a retry answers this order.
    idempotency_key   TEXT NOT NULL,
    request_digest    TEXT NOT NULL,
    payment_provider  TEXT NOT NULL,
    payment_ref       TEXT UNIQUE,
    client_secret     TEXT,
    payment_error     TEXT,
    refunded_amount   BIGINT NOT NULL DEFAULT 0,
    due_at            TIMESTAMPTZ,
    auto_complete_at  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    paid_at           TIMESTAMPTZ,
    delivered_at      TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ,
    cancelled_at      TIMESTAMPTZ,
    buyer_review_id   UUID,
    seller_review_id  UUID,
    UNIQUE (buyer_user_id, idempotency_key)
);

-- An accepted offer is ordered once (a declined payment frees it again).
CREATE UNIQUE INDEX orders_one_per_offer ON orders (offer_id)
    WHERE offer_id IS NOT NULL AND status <> 'payment_failed';
CREATE INDEX orders_of_buyer ON orders (buyer_user_id, created_at DESC, id DESC);
CREATE INDEX orders_of_seller ON orders (seller_user_id, created_at DESC, id DESC)
    WHERE status <> 'pending_payment' AND status <> 'payment_failed';
CREATE INDEX orders_to_complete ON orders (auto_complete_at) WHERE status = 'delivered';

-- Every status change: who made it (NULL: the system) and when.
CREATE TABLE order_history (
    id          BIGSERIAL PRIMARY KEY,
    order_id    UUID NOT NULL REFERENCES orders (id),
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       UUID,
    note        TEXT,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_history_of_order ON order_history (order_id, id);

CREATE TABLE extensions (
    id           UUID PRIMARY KEY,
    order_id     UUID NOT NULL REFERENCES orders (id),
    days         INTEGER NOT NULL CHECK (days > 0),
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ
);
-- One open request at a time.
CREATE UNIQUE INDEX extensions_one_pending ON extensions (order_id) WHERE status = 'pending';

CREATE TABLE deliveries (
    id           UUID PRIMARY KEY,
    order_id     UUID NOT NULL REFERENCES orders (id),
    message      TEXT NOT NULL,
    -- [{key, name, content_type, size}]
    attachments  JSONB NOT NULL,
    delivered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX deliveries_of_order ON deliveries (order_id, delivered_at);

-- Webhook events applied, by the provider's event id: a provider retrying one is a no-op.
CREATE TABLE payment_events (
    event_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Refunds owed, written with the cancellation; sent to the provider after the commit, and
-- again by a periodic task until the provider accepts one (its idempotency key is the id).
CREATE TABLE refunds (
    id          UUID PRIMARY KEY,
    order_id    UUID NOT NULL REFERENCES orders (id),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_ref TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending';

CREATE TABLE alerts (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL,
    order_id   UUID NOT NULL REFERENCES orders (id),
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX alerts_of_user ON alerts (user_id, created_at DESC, id DESC);
CREATE INDEX alerts_unread ON alerts (user_id) WHERE read_at IS NULL;
