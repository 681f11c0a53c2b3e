// A custom offer inside a conversation: its terms and state, and the actions its two parties
// have (the buyer accepts or declines, the seller withdraws, an accepted offer is ordered).
import { useState } from "react";
import { Link } from "react-router";
import { api, formatMoney, messageOf, unwrap, type Schemas } from "../api/client";
import { ErrorNote, formatDate } from "./bits";

type OfferView = Schemas["OfferView"];

export function OfferCard({ offer, me, changed }: { offer: OfferView; me: string; changed: (offer: OfferView) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const act = async (action: "accept" | "decline" | "withdraw") => {
    try {
      const path = `/api/v1/offers/{id}/${action}` as const;
      changed(await unwrap(api.POST(path, { params: { path: { id: offer.id } } })));
    } catch (failure) {
      setProblem(messageOf(failure));
    }
  };
  const pending = offer.status === "pending";
  return (
    <div className="offer" data-testid="offer">
      <p>
        <strong>Custom offer</strong> for {offer.gig.title}: <span className="tag">{offer.status}</span>
      </p>
      <p>{offer.description}</p>
      <p>
        {formatMoney(offer.price)} · {offer.delivery_days} day{offer.delivery_days === 1 ? "" : "s"} · open until {formatDate(offer.expires_at)}
      </p>
      <ErrorNote message={problem} />
      {pending && me === offer.buyer_id ? (
        <p>
          <button type="button" className="primary" onClick={() => act("accept")}>
            Accept offer
          </button>{" "}
          <button type="button" onClick={() => act("decline")}>
            Decline offer
          </button>
        </p>
      ) : null}
      {pending && me === offer.seller_id ? (
        <button type="button" onClick={() => act("withdraw")}>
          Withdraw offer
        </button>
      ) : null}
      {offer.status === "accepted" && me === offer.buyer_id ? (
        <Link className="button primary" to={`/checkout?offer=${offer.id}`}>
          Order this offer
        </Link>
      ) : null}
    </div>
  );
}
