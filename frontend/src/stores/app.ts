import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { setLocale, type Locale } from '@/i18n'

type Theme = 'light' | 'dark'

/** UI preferences: theme, language, sidebar; persisted in localStorage. */
export const useAppStore = defineStore('app', () => {
  const theme = ref<Theme>((localStorage.getItem('opsjob.theme') as Theme | null) ?? 'light')
  const locale = ref<Locale>((localStorage.getItem('opsjob.locale') as Locale | null) ?? 'zh-CN')
  const collapsed = ref(localStorage.getItem('opsjob.collapsed') === '1')

  function applyTheme(value: Theme): void {
    if (value === 'dark') document.body.setAttribute('arco-theme', 'dark')
    else document.body.removeAttribute('arco-theme')
  }

  watch(theme, (value) => {
    localStorage.setItem('opsjob.theme', value)
    applyTheme(value)
  }, { immediate: true })
  watch(locale, (value) => {
    localStorage.setItem('opsjob.locale', value)
    setLocale(value)
  }, { immediate: true })
  watch(collapsed, (value) => localStorage.setItem('opsjob.collapsed', value ? '1' : '0'))

  const toggleTheme = (): void => {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
  }

  return { theme, locale, collapsed, toggleTheme }
})
