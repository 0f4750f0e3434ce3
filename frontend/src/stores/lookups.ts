import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { groupTree, listAccounts, listGroups } from '@/api/hosts'
import type { Account, HostGroup, HostGroupTree } from '@/types'

/** Reference data for pickers (groups, accounts), loaded once and refreshed after edits. */
export const useLookupStore = defineStore('lookups', () => {
  const groups = ref<HostGroup[]>([])
  const tree = ref<HostGroupTree[]>([])
  const accounts = ref<Account[]>([])
  const groupsLoaded = ref(false)
  const accountsLoaded = ref(false)

  const groupName = computed(() => {
    const map = new Map(groups.value.map((g) => [g.id, g.name]))
    return (id: number): string => map.get(id) ?? `#${id}`
  })

  async function loadGroups(force = false): Promise<void> {
    if (groupsLoaded.value && !force) return
    const [page, nested] = await Promise.all([listGroups(), groupTree().catch(() => null)])
    groups.value = page.results
    tree.value = nested ?? buildTree(page.results)
    groupsLoaded.value = true
  }

  async function loadAccounts(force = false): Promise<void> {
    if (accountsLoaded.value && !force) return
    accounts.value = (await listAccounts({ page_size: 500 })).results
    accountsLoaded.value = true
  }

  return { groups, tree, accounts, groupName, loadGroups, loadAccounts }
})

/** Nests a flat group list by `parent` (fallback when the tree endpoint is absent). */
export function buildTree(groups: HostGroup[]): HostGroupTree[] {
  const nodes = new Map<number, HostGroupTree>(
    groups.map((g) => [g.id, { ...g, parent: g.parent ?? null, children: [] }]),
  )
  const roots: HostGroupTree[] = []
  for (const node of nodes.values()) {
    const parent = node.parent != null ? nodes.get(node.parent) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return roots
}
