-- Accounts and everything that proves who a user is.
CREATE TABLE users (
    id                  CHAR(36) NOT NULL PRIMARY KEY,
    username            VARCHAR(30) NOT NULL,
    username_lower      VARCHAR(30) NOT NULL,
    email               VARCHAR(254) NOT NULL,
    password_hash       VARCHAR(255) NOT NULL,
    country             CHAR(2) NOT NULL,
    profile_picture_url VARCHAR(2048) NULL,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_signins      INT NOT NULL DEFAULT 0,
    locked_until        DATETIME(6) NULL,
    created_at          DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY users_username (username_lower),
    UNIQUE KEY users_email (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Devices a user signed in from after proving it with a one-time code.
CREATE TABLE trusted_devices (
    user_id    CHAR(36) NOT NULL,
    device_id  VARCHAR(100) NOT NULL,
    trusted_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (user_id, device_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Single-use links: email verification and password reset. Only a hash is stored.
CREATE TABLE link_tokens (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    user_id    CHAR(36) NOT NULL,
    purpose    VARCHAR(20) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY link_tokens_user (user_id, purpose)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- One-time sign-in codes for a new device, bound to the user and the device.
CREATE TABLE otp_challenges (
    id         CHAR(36) NOT NULL PRIMARY KEY,
    user_id    CHAR(36) NOT NULL,
    device_id  VARCHAR(100) NOT NULL,
    code_hash  CHAR(64) NOT NULL,
    attempts   INT NOT NULL DEFAULT 0,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Refresh sessions: opaque tokens stored hashed; each use rotates within a family, and a
-- reused (already rotated) token revokes its whole family.
CREATE TABLE refresh_sessions (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    family_id  CHAR(36) NOT NULL,
    user_id    CHAR(36) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    rotated_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY refresh_sessions_family (family_id),
    KEY refresh_sessions_user (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
