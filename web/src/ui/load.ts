// Data a page reads when it opens: loading, the answer or the error, and a way to read again.
import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/client";

export type Loaded<T> = {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (update: (current: T | undefined) => T | undefined) => void;
};

export function useLoad<T>(read: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stableRead = useCallback(read, deps);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await stableRead();
      if (mine === generation.current) {
        setState(value);
        setError(null);
      }
    } catch (failure) {
      if (mine === generation.current) setError(messageOf(failure));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [stableRead]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload, setData: setState };
}
