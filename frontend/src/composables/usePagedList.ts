import { reactive, ref, shallowRef, type Ref } from 'vue'
import type { Page } from '@/api/client'
import { ApiError } from '@/api/client'

export interface PagedList<T, F> {
  items: Ref<T[]>
  total: Ref<number>
  loading: Ref<boolean>
  /** Set when the endpoint is missing (404) or failed: pages show an empty state. */
  error: Ref<ApiError | null>
  page: Ref<number>
  pageSize: Ref<number>
  filters: F
  load: () => Promise<void>
  search: () => Promise<void>
  reset: () => Promise<void>
  setPage: (p: number) => Promise<void>
  setPageSize: (s: number) => Promise<void>
}

/**
 * Filter form state for a list whose query is `Q` (src/api/schema.ts `Query<...>`): only
 * parameters the endpoint documents, so a renamed backend filter breaks the type-check.
 * Values stay loose: forms hold '' / null / [] for "not set", which cleanParams drops.
 */
export type FiltersOf<Q, F> = F & Record<Exclude<keyof F, keyof NonNullable<Q>>, never>

/** Server-side paginated list: filters + page state, stale responses ignored. */
export function usePagedList<T, Q, F extends Record<string, unknown>>(
  fetcher: (params: Q) => Promise<Page<T>>,
  initial: FiltersOf<NoInfer<Q>, F>,
  options: { pageSize?: number; ordering?: string } = {},
): PagedList<T, F> {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const loading = ref(false)
  const error = shallowRef<ApiError | null>(null)
  const page = ref(1)
  const pageSize = ref(options.pageSize ?? 20)
  const filters = reactive({ ...initial }) as F
  let ticket = 0

  async function load(): Promise<void> {
    const mine = ++ticket
    loading.value = true
    try {
      const params: Record<string, unknown> = { ...filters, page: page.value, page_size: pageSize.value }
      if (options.ordering && !params.ordering) params.ordering = options.ordering
      const result = await fetcher(params as Q)
      if (mine !== ticket) return
      if (Array.isArray(result)) {
        items.value = result as T[]
        total.value = (result as T[]).length
      } else {
        items.value = result.results
        total.value = result.count
      }
      error.value = null
      if (items.value.length === 0 && page.value > 1 && total.value > 0) {
        page.value = Math.max(1, Math.ceil(total.value / pageSize.value))
        await load()
      }
    } catch (e) {
      if (mine !== ticket) return
      items.value = []
      total.value = 0
      error.value = e instanceof ApiError ? e : new ApiError(String(e), 0)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  const search = async (): Promise<void> => {
    page.value = 1
    await load()
  }
  const reset = async (): Promise<void> => {
    Object.assign(filters, initial)
    await search()
  }
  const setPage = async (p: number): Promise<void> => {
    page.value = p
    await load()
  }
  const setPageSize = async (s: number): Promise<void> => {
    pageSize.value = s
    page.value = 1
    await load()
  }

  return { items, total, loading, error, page, pageSize, filters, load, search, reset, setPage, setPageSize }
}
