// The web client's entry: the session, real time and the routes. Every page is its own chunk,
// loaded when first opened, so the first page carries only what it shows.
import { lazy, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router";
import { RealtimeProvider } from "./realtime";
import { SessionProvider } from "./session";
import { Layout } from "./ui/Layout";
import "./styles.css";

const Home = lazy(() => import("./pages/Home"));
const Search = lazy(() => import("./pages/Search"));
const GigPage = lazy(() => import("./pages/GigPage"));
const SellerPage = lazy(() => import("./pages/SellerPage"));
const SignUp = lazy(() => import("./pages/SignUp"));
const SignIn = lazy(() => import("./pages/SignIn"));
const VerifyEmail = lazy(() => import("./pages/VerifyEmail"));
const ForgotPassword = lazy(() => import("./pages/ForgotPassword"));
const ResetPassword = lazy(() => import("./pages/ResetPassword"));
const Settings = lazy(() => import("./pages/Settings"));
const SellerEditor = lazy(() => import("./pages/SellerEditor"));
const GigEditor = lazy(() => import("./pages/GigEditor"));
const Inbox = lazy(() => import("./pages/Inbox"));
const Conversation = lazy(() => import("./pages/Conversation"));
const Checkout = lazy(() => import("./pages/Checkout"));
const Orders = lazy(() => import("./pages/Orders"));
const OrderPage = lazy(() => import("./pages/OrderPage"));
const Notifications = lazy(() => import("./pages/Notifications"));
const NotFound = lazy(() => import("./pages/NotFound"));

function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Home />} />
        <Route path="search" element={<Search />} />
        <Route path="gigs/new" element={<GigEditor />} />
        <Route path="gigs/:id" element={<GigPage />} />
        <Route path="gigs/:id/edit" element={<GigEditor />} />
        <Route path="sellers/:username" element={<SellerPage />} />
        <Route path="signup" element={<SignUp />} />
        <Route path="signin" element={<SignIn />} />
        <Route path="verify-email" element={<VerifyEmail />} />
        <Route path="forgot-password" element={<ForgotPassword />} />
        <Route path="reset-password" element={<ResetPassword />} />
        <Route path="settings" element={<Settings />} />
        <Route path="seller-profile" element={<SellerEditor />} />
        <Route path="inbox" element={<Inbox />} />
        <Route path="inbox/:id" element={<Conversation />} />
        <Route path="checkout" element={<Checkout />} />
        <Route path="orders" element={<Orders />} />
        <Route path="orders/:id" element={<OrderPage />} />
        <Route path="notifications" element={<Notifications />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <RealtimeProvider>
          <App />
        </RealtimeProvider>
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
