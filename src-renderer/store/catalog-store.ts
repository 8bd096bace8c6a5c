/**
 * The component catalog (mechanism, function and condition types with their parameters), asked
 * of the host once: the palette and the inspector are generated from it.
 */
import { createStore } from 'zustand/vanilla';
import type { Catalog, FunctionInfo, MechanismInfo } from '../../shared/ipc/protocol.js';
import type { StudioHost } from '../host/host.js';

export interface CatalogState {
  catalog: Catalog | null;
  error: string | null;
  load(host: StudioHost): Promise<void>;
}

export type CatalogStore = ReturnType<typeof createCatalogStore>;

export function createCatalogStore() {
  let loading: Promise<void> | null = null;
  return createStore<CatalogState>()((set) => ({
    catalog: null,
    error: null,
    load(host) {
      loading ??= host.call({ method: 'catalog.get' }).then(
        (catalog) => set({ catalog, error: null }),
        (e: Error) => {
          loading = null;
          set({ error: e.message });
        },
      );
      return loading;
    },
  }));
}

export function mechanismInfo(catalog: Catalog | null, type: string): MechanismInfo | undefined {
  return catalog?.mechanisms.find((m) => m.type === type);
}

export function functionInfo(catalog: Catalog | null, type: string): FunctionInfo | undefined {
  return catalog?.functions.find((f) => f.type === type);
}
