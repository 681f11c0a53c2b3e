// A seller's profile: who they are, their numbers, gigs and reviews; the seller themself finds
// the links to edit the profile and list a gig here.
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { useSession } from "../session";
import { Avatar, ErrorNote, GigCard, Loading, Stars, formatDate, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";
import { Reviews } from "../ui/reviews";

export default function SellerPage() {
  const { username = "" } = useParams();
  const { user } = useSession();
  const seller = useLoad(() => unwrap(api.GET("/api/v1/sellers/by-username/{username}", { params: { path: { username } } })), [username]);
  const sellerId = seller.data?.id;
  const mine = !!user && user.id === seller.data?.user_id;
  const gigs = useLoad(
    async () => (sellerId ? (await unwrap(api.GET("/api/v1/sellers/{id}/gigs", { params: { path: { id: sellerId }, query: { limit: 50, active: mine ? undefined : true } } }))).items : []),
    [sellerId, mine],
  );
  const reviews = useLoad(
    async () => (sellerId ? unwrap(api.GET("/api/v1/sellers/{id}/reviews", { params: { path: { id: sellerId }, query: { limit: 5 } } })) : undefined),
    [sellerId],
  );
  useTitle(seller.data?.full_name ?? username);
  if (seller.error) return <ErrorNote message={seller.error} retry={seller.reload} />;
  if (!seller.data) return <Loading />;
  const s = seller.data;
  return (
    <div className="profile-layout">
      <aside className="card profile-card">
        <Avatar name={s.username} url={s.profile_picture_url} size={96} />
        <h1>{s.full_name}</h1>
        <p className="muted">@{s.username}</p>
        <p>{s.one_liner}</p>
        <Stars average={s.ratings.average} count={s.ratings.count} />
        <dl className="facts">
          {s.country ? (
            <>
              <dt>From</dt>
              <dd>{s.country}</dd>
            </>
          ) : null}
          <dt>Member since</dt>
          <dd>{formatDate(s.created_at)}</dd>
          <dt>Responds within</dt>
          <dd>{s.response_time_hours} h</dd>
          <dt>Completed orders</dt>
          <dd>{s.completed_jobs}</dd>
          <dt>Ongoing orders</dt>
          <dd>{s.ongoing_jobs}</dd>
        </dl>
        {mine ? (
          <p>
            <Link className="button" to="/seller-profile">
              Edit profile
            </Link>{" "}
            <Link className="button primary" to="/gigs/new">
              New gig
            </Link>
          </p>
        ) : null}
      </aside>
      <div>
        <section aria-labelledby="about">
          <h2 id="about">About</h2>
          <p className="prose">{s.description}</p>
          <p>
            <strong>Languages:</strong> {s.languages.map((l) => `${l.language} (${l.level})`).join(", ")}
          </p>
          <p>
            <strong>Skills:</strong> {s.skills.join(", ")}
          </p>
        </section>
        <section aria-labelledby="gigs">
          <h2 id="gigs">Gigs</h2>
          <ErrorNote message={gigs.error} retry={gigs.reload} />
          {gigs.data?.length === 0 ? <p className="muted">No gigs yet.</p> : null}
          <ul className="grid">
            {gigs.data?.map((gig) => (
              <li key={gig.id}>
                <GigCard gig={gig} />
              </li>
            ))}
          </ul>
        </section>
        <Reviews
          first={reviews.data}
          more={(cursor) => unwrap(api.GET("/api/v1/sellers/{id}/reviews", { params: { path: { id: s.id }, query: { limit: 5, cursor } } }))}
        />
      </div>
    </div>
  );
}
