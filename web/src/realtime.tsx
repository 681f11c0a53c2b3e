// Real time: one Socket.IO connection per signed-in tab, authenticated by the gateway's access
// cookie. Pages subscribe to the events they show (`message:received`, `message:updated`,
// `presence`, `order:notification`); when the session expires the socket refreshes it and
// reconnects. Real time only adds to what pages read from the API, so a page also reloads
// what it shows when the socket reconnects.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";
import { refreshSession } from "./api/client";
import { useSession } from "./session";

export type RealtimeEvent = "message:received" | "message:updated" | "presence" | "order:notification" | "connect";

const SocketContext = createContext<Socket | null>(null);

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const [socket, setSocket] = useState<Socket | null>(null);
  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    const connection = io({ path: "/socket.io/", withCredentials: true, transports: ["websocket", "polling"] });
    connection.on("session:expired", async () => {
      if (await refreshSession()) connection.connect();
    });
    connection.on("connect_error", async () => {
      // A refused handshake is most often an expired access cookie.
      if (await refreshSession()) setTimeout(() => connection.connect(), 1000);
    });
    setSocket(connection);
    return () => {
      connection.close();
      setSocket(null);
    };
  }, [userId]);
  return <SocketContext.Provider value={socket}>{children}</SocketContext.Provider>;
}

/** Calls `handler` with each `event` while the component is mounted. */
export function useRealtime<T = unknown>(event: RealtimeEvent, handler: (payload: T) => void) {
  const socket = useContext(SocketContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!socket) return;
    const listener = (payload: T) => latest.current(payload);
    socket.on(event, listener);
    return () => {
      socket.off(event, listener);
    };
  }, [socket, event]);
}

/** Whether the socket is connected now. */
export function useConnected(): boolean {
  const socket = useContext(SocketContext);
  const [connected, setConnected] = useState(socket?.connected ?? false);
  useEffect(() => {
    if (!socket) return;
    setConnected(socket.connected);
    const on = () => setConnected(true);
    const off = () => setConnected(false);
    socket.on("connect", on);
    socket.on("disconnect", off);
    return () => {
      socket.off("connect", on);
      socket.off("disconnect", off);
    };
  }, [socket]);
  return connected;
}
