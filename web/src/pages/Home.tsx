// Home: featured sellers and the top gigs of each category with active gigs.
import { Link } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";

type CategorySlug = Schemas["CategorySlug"];
import { Avatar, ErrorNote, GigCard, Loading, Stars, useTitle } from "../ui/bits";
import { useLoad } from "../ui/load";

const CATEGORIES_SHOWN = 4;

export default function Home() {
  useTitle("");
  const sellers = useLoad(async () => (await unwrap(api.GET("/api/v1/sellers/random", { params: { query: { limit: 4 } } }))).items, []);
  const shelves = useLoad(async () => {
    const categories = (await unwrap(api.GET("/api/v1/categories"))).items.filter((c) => c.active_gigs > 0).slice(0, CATEGORIES_SHOWN);
    return Promise.all(
      categories.map(async (category) => ({
        category,
        gigs: (await unwrap(api.GET("/api/v1/gigs/top", { params: { query: { category: category.slug as CategorySlug, limit: 4 } } }))).items,
      })),
    );
  }, []);
  return (
    <>
      <section className="hero">
        <h1>Find the right freelancer for the job</h1>
        <p>Logos, code, words, video and more, from sellers with real reviews. Pay safely; release the money when the work is done.</p>
        <p>
          <Link to="/search" className="button primary">
            Explore gigs
          </Link>{" "}
          <Link to="/seller-profile" className="button">
            Become a seller
          </Link>
        </p>
      </section>
      <section aria-labelledby="featured">
        <h2 id="featured">Featured sellers</h2>
        <ErrorNote message={sellers.error} retry={sellers.reload} />
        {sellers.loading && !sellers.data ? <Loading /> : null}
        <ul className="grid sellers">
          {sellers.data?.map((seller) => (
            <li key={seller.id} className="card seller-card">
              <Avatar name={seller.username} url={seller.profile_picture_url} />
              <div>
                <Link to={`/sellers/${seller.username}`}>
                  <strong>{seller.full_name}</strong>
                </Link>
                <p className="muted small">{seller.one_liner}</p>
                <Stars average={seller.ratings.average} count={seller.ratings.count} />
              </div>
            </li>
          ))}
        </ul>
      </section>
      <ErrorNote message={shelves.error} retry={shelves.reload} />
      {shelves.loading && !shelves.data ? <Loading what="Loading the top gigs" /> : null}
      {shelves.data?.map(({ category, gigs }) => (
        <section key={category.slug} aria-labelledby={`shelf-${category.slug}`}>
          <h2 id={`shelf-${category.slug}`}>
            Top in {category.name}{" "}
            <Link className="small" to={`/search?category=${category.slug}&sort=rating`}>
              See all {category.active_gigs}
            </Link>
          </h2>
          <ul className="grid">
            {gigs.map((gig) => (
              <li key={gig.id}>
                <GigCard gig={gig} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
