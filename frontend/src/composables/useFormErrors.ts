import { ref } from 'vue'
import { ApiError } from '@/api/client'
import { Message } from '@arco-design/web-vue'

/** Server validation errors by field path, for `:help` and `:validate-status` of form items. */
export function useFormErrors() {
  const errors = ref<Record<string, string>>({})

  /** Records field errors; toasts the general ones (or everything when no field matched). */
  function capture(e: unknown, knownFields: string[] = []): void {
    errors.value = {}
    if (!(e instanceof ApiError)) {
      Message.error(String(e))
      return
    }
    let shown = false
    for (const [path, messages] of Object.entries(e.fieldErrors)) {
      const msg = messages[0]
      if (!msg) continue
      errors.value[path] = msg
      if (knownFields.length === 0 || knownFields.some((f) => path === f || path.startsWith(`${f}[`) || path.startsWith(`${f}.`))) shown = true
    }
    const general = e.field('non_field_errors') ?? e.field('detail')
    if (general || !shown) Message.error(general ?? e.message)
  }

  const clear = (): void => {
    errors.value = {}
  }
  const status = (path: string): 'error' | undefined => (errors.value[path] ? 'error' : undefined)

  return { errors, capture, clear, status }
}
