//! The table itself: every public route, in matching order (literal segments before
//! parameters at the same position), built with two shorthands.

use http::Method;

use super::{Access, AccountLimit, Route, Session};
use Access::{Public, SignedIn};

const fn route(
    method: Method,
    path: &'static str,
    service: &'static str,
    access: Access,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        service,
        access,
        session: Session::None,
        summary,
        account_limit: None,
    }
}

const fn session(
    path: &'static str,
    session: Session,
    access: Access,
    summary: &'static str,
) -> Route {
    Route {
        method: Method::POST,
        path,
        service: "auth",
        access,
        session,
        summary,
        account_limit: None,
    }
}

pub(super) const TABLE: &[Route] = &[
    // auth
    session(
        "/auth/signup",
        Session::Issue,
        Public,
        "Create an account and sign in",
    ),
    session(
        "/auth/signin",
        Session::Issue,
        Public,
        "Sign in (answers otp_required from a new device)",
    )
    .limited(AccountLimit::BodyField("login")),
    session(
        "/auth/signin/otp",
        Session::Issue,
        Public,
        "Finish a sign-in with the emailed code",
    )
    .limited(AccountLimit::BodyField("challenge_id")),
    session(
        "/auth/refresh",
        Session::Issue,
        Public,
        "Rotate the refresh token for a new access token",
    ),
    session(
        "/auth/signout",
        Session::Clear,
        SignedIn,
        "Sign out and revoke the refresh session",
    ),
    route(
        Method::POST,
        "/auth/verify-email",
        "auth",
        Public,
        "Verify the email address with the emailed token",
    ),
    route(
        Method::POST,
        "/auth/verify-email/resend",
        "auth",
        SignedIn,
        "Send a new verification email",
    )
    .limited(AccountLimit::Caller),
    route(
        Method::POST,
        "/auth/password/forgot",
        "auth",
        Public,
        "Email a password reset link",
    )
    .limited(AccountLimit::BodyField("email")),
    route(
        Method::POST,
        "/auth/password/reset",
        "auth",
        Public,
        "Set a new password with a reset token",
    )
    .limited(AccountLimit::BodyField("token")),
    route(
        Method::POST,
        "/auth/password/change",
        "auth",
        SignedIn,
        "Change the password (needs the current one)",
    ),
    route(
        Method::GET,
        "/auth/me",
        "auth",
        SignedIn,
        "The signed-in account",
    ),
    // users
    route(
        Method::GET,
        "/buyers/me",
        "users",
        SignedIn,
        "The caller's buyer profile",
    ),
    route(
        Method::GET,
        "/buyers/{id}/reviews",
        "reviews",
        Public,
        "Reviews a buyer received",
    ),
    route(
        Method::GET,
        "/buyers/{username}",
        "users",
        Public,
        "A buyer's public profile",
    ),
    route(
        Method::POST,
        "/sellers",
        "users",
        SignedIn,
        "Become a seller (verified email)",
    ),
    route(
        Method::PATCH,
        "/sellers/me",
        "users",
        SignedIn,
        "Edit the caller's seller profile",
    ),
    route(
        Method::GET,
        "/sellers/random",
        "users",
        Public,
        "Featured sellers",
    ),
    route(
        Method::GET,
        "/sellers/by-username/{username}",
        "users",
        Public,
        "A seller by username",
    ),
    route(
        Method::GET,
        "/sellers/{id}/gigs",
        "gigs",
        Public,
        "A seller's gigs",
    ),
    route(
        Method::GET,
        "/sellers/{id}/reviews",
        "reviews",
        Public,
        "Reviews a seller received",
    ),
    route(
        Method::GET,
        "/sellers/{id}",
        "users",
        Public,
        "A seller's profile",
    ),
    route(
        Method::POST,
        "/uploads/profile-picture",
        "users",
        SignedIn,
        "Upload a profile picture (a presigned PUT)",
    ),
    // gigs
    route(
        Method::POST,
        "/gigs",
        "gigs",
        SignedIn,
        "Create a gig (verified seller)",
    ),
    route(Method::GET, "/gigs", "gigs", Public, "Search gigs"),
    route(
        Method::GET,
        "/gigs/top",
        "gigs",
        Public,
        "Top gigs of a category",
    ),
    route(Method::GET, "/gigs/{id}", "gigs", Public, "A gig"),
    route(
        Method::PATCH,
        "/gigs/{id}",
        "gigs",
        SignedIn,
        "Edit a gig (owner)",
    ),
    route(
        Method::DELETE,
        "/gigs/{id}",
        "gigs",
        SignedIn,
        "Delete a gig (owner)",
    ),
    route(
        Method::POST,
        "/gigs/{id}/pause",
        "gigs",
        SignedIn,
        "Pause a gig (owner)",
    ),
    route(
        Method::POST,
        "/gigs/{id}/activate",
        "gigs",
        SignedIn,
        "Activate a gig (owner)",
    ),
    route(
        Method::GET,
        "/gigs/{id}/similar",
        "gigs",
        Public,
        "Gigs like this one",
    ),
    route(
        Method::GET,
        "/gigs/{id}/reviews",
        "reviews",
        Public,
        "Reviews of a gig",
    ),
    route(Method::GET, "/categories", "gigs", Public, "Gig categories"),
    route(
        Method::POST,
        "/uploads/gig-cover",
        "gigs",
        SignedIn,
        "Upload a gig cover (a presigned PUT; sellers)",
    ),
    route(
        Method::POST,
        "/uploads/attachment",
        "chat",
        SignedIn,
        "Upload a file to send in a conversation (a presigned PUT)",
    ),
    route(
        Method::POST,
        "/uploads/delivery",
        "orders",
        SignedIn,
        "Upload a file to deliver with an order (a presigned PUT)",
    ),
    // chat
    route(
        Method::GET,
        "/conversations",
        "chat",
        SignedIn,
        "The caller's conversations",
    ),
    route(
        Method::POST,
        "/conversations",
        "chat",
        SignedIn,
        "Start a conversation",
    ),
    route(
        Method::GET,
        "/conversations/{id}",
        "chat",
        SignedIn,
        "One of the caller's conversations",
    ),
    route(
        Method::GET,
        "/conversations/{id}/messages",
        "chat",
        SignedIn,
        "Messages of a conversation (participants)",
    ),
    route(
        Method::POST,
        "/conversations/{id}/messages",
        "chat",
        SignedIn,
        "Send a message or custom offer",
    ),
    route(
        Method::POST,
        "/conversations/{id}/read",
        "chat",
        SignedIn,
        "Mark a conversation read",
    ),
    route(
        Method::POST,
        "/offers/{id}/accept",
        "chat",
        SignedIn,
        "Accept a custom offer",
    ),
    route(
        Method::POST,
        "/offers/{id}/decline",
        "chat",
        SignedIn,
        "Decline a custom offer",
    ),
    route(
        Method::POST,
        "/offers/{id}/withdraw",
        "chat",
        SignedIn,
        "Withdraw a custom offer the caller made",
    ),
    // orders
    route(
        Method::POST,
        "/orders",
        "orders",
        SignedIn,
        "Place an order (Idempotency-Key header)",
    ),
    route(
        Method::GET,
        "/orders",
        "orders",
        SignedIn,
        "The caller's orders",
    ),
    route(
        Method::GET,
        "/orders/{id}",
        "orders",
        SignedIn,
        "An order (participants)",
    ),
    route(
        Method::POST,
        "/orders/{id}/cancel",
        "orders",
        SignedIn,
        "Cancel an order",
    ),
    route(
        Method::POST,
        "/orders/{id}/extensions",
        "orders",
        SignedIn,
        "Ask for more time (seller)",
    ),
    route(
        Method::POST,
        "/orders/{id}/extensions/{eid}/approve",
        "orders",
        SignedIn,
        "Approve an extension (buyer)",
    ),
    route(
        Method::POST,
        "/orders/{id}/extensions/{eid}/reject",
        "orders",
        SignedIn,
        "Reject an extension (buyer)",
    ),
    route(
        Method::POST,
        "/orders/{id}/deliveries",
        "orders",
        SignedIn,
        "Deliver the work (seller)",
    ),
    route(
        Method::POST,
        "/orders/{id}/revision",
        "orders",
        SignedIn,
        "Send a delivery back for a revision (buyer)",
    ),
    route(
        Method::POST,
        "/orders/{id}/complete",
        "orders",
        SignedIn,
        "Accept the delivery (buyer)",
    ),
    route(
        Method::GET,
        "/notifications",
        "orders",
        SignedIn,
        "The caller's in-app alerts (from orders)",
    ),
    route(
        Method::POST,
        "/notifications/{id}/read",
        "orders",
        SignedIn,
        "Mark a notification read",
    ),
    route(
        Method::POST,
        "/payments/webhook",
        "orders",
        Public,
        "The payment provider's webhook (Stripe-Signature)",
    ),
    route(
        Method::POST,
        "/payments/sandbox/{reference}/confirm",
        "orders",
        SignedIn,
        "Pay an order in the sandbox with a test card (buyer)",
    ),
    // reviews
    route(
        Method::POST,
        "/reviews",
        "reviews",
        SignedIn,
        "Review a completed order",
    ),
];
