// A gig: its cover, description and price, the seller's card, reviews and similar gigs; a buyer
// orders it or contacts the seller, its seller edits, pauses or activates it.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, formatMoney, messageOf, unwrap } from "../api/client";
import { useSession } from "../session";
import { Avatar, ErrorNote, GigCard, Loading, Stars, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";
import { Reviews } from "../ui/reviews";

export default function GigPage() {
  const { id = "" } = useParams();
  const { user } = useSession();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  const gig = useLoad(() => unwrap(api.GET("/api/v1/gigs/{id}", { params: { path: { id } } })), [id]);
  const reviews = useLoad(() => unwrap(api.GET("/api/v1/gigs/{id}/reviews", { params: { path: { id }, query: { limit: 5 } } })), [id]);
  const similar = useLoad(async () => (await unwrap(api.GET("/api/v1/gigs/{id}/similar", { params: { path: { id }, query: { limit: 4 } } }))).items, [id]);
  useTitle(gig.data?.title ?? "Gig");
  if (gig.error) return <ErrorNote message={gig.error} retry={gig.reload} />;
  if (!gig.data) return <Loading />;
  const data = gig.data;
  const mine = user?.id === data.seller.user_id;
  const contact = async () => {
    if (!user) return navigate(`/signin?next=${encodeURIComponent(`/gigs/${id}`)}`);
    try {
      const conversation = await unwrap(api.POST("/api/v1/conversations", { body: { with_username: data.seller.username, gig_id: data.id } }));
      navigate(`/inbox/${conversation.id}`);
    } catch (failure) {
      setProblem(messageOf(failure));
    }
  };
  const toggle = async () => {
    try {
      const changed = data.active
        ? await unwrap(api.POST("/api/v1/gigs/{id}/pause", { params: { path: { id } } }))
        : await unwrap(api.POST("/api/v1/gigs/{id}/activate", { params: { path: { id } } }));
      gig.setData(() => changed);
    } catch (failure) {
      setProblem(messageOf(failure));
    }
  };
  return (
    <article className="gig-layout">
      <div className="gig-main">
        <p className="muted small">
          <Link to={`/search?category=${data.category.slug}`}>{data.category.name}</Link>
          {data.sub_categories.map((s) => ` · ${s.name}`)}
        </p>
        <h1>{data.title}</h1>
        <p>
          <Stars average={data.rating.average} count={data.rating.count} />
          {!data.active ? <span className="tag">Paused</span> : null}
        </p>
        {data.cover_image_url ? <img className="gig-cover" src={data.cover_image_url} alt={`Cover of ${data.title}`} /> : null}
        <h2>About this gig</h2>
        <p className="prose">{data.description}</p>
        <p>
          {data.tags.map((tag) => (
            <Link key={tag} className="tag" to={`/search?q=${encodeURIComponent(tag)}`}>
              {tag}
            </Link>
          ))}
        </p>
        <Reviews
          first={reviews.data}
          more={(cursor) => unwrap(api.GET("/api/v1/gigs/{id}/reviews", { params: { path: { id }, query: { limit: 5, cursor } } }))}
        />
      </div>
      <aside className="gig-side">
        <div className="card">
          <p className="price">{formatMoney(data.price)}</p>
          <p>Delivered in {data.delivery_days} day{data.delivery_days === 1 ? "" : "s"}</p>
          <ErrorNote message={problem} />
          {mine ? (
            <>
              <Link className="button primary" to={`/gigs/${id}/edit`}>
                Edit gig
              </Link>{" "}
              <button type="button" onClick={toggle}>
                {data.active ? "Pause gig" : "Activate gig"}
              </button>
            </>
          ) : (
            <>
              <button type="button" className="primary wide" disabled={!data.active} onClick={() => navigate(`/checkout?gig=${id}`)}>
                Continue ({formatMoney(data.price)})
              </button>
              <button type="button" className="wide" onClick={contact}>
                Contact seller
              </button>
            </>
          )}
        </div>
        <div className="card seller-card">
          <Avatar name={data.seller.username} url={data.seller.profile_picture_url} />
          <div>
            <Link to={`/sellers/${data.seller.username}`}>
              <strong>{data.seller.full_name}</strong>
            </Link>
            <p className="muted small">
              @{data.seller.username}
              {data.seller.country ? ` · ${data.seller.country}` : ""}
            </p>
            <Stars average={data.seller.rating.average} count={data.seller.rating.count} />
          </div>
        </div>
      </aside>
      {similar.data && similar.data.length > 0 ? (
        <section className="gig-similar" aria-labelledby="similar">
          <h2 id="similar">Similar gigs</h2>
          <ul className="grid">
            {similar.data.map((other) => (
              <li key={other.id}>
                <GigCard gig={other} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}
