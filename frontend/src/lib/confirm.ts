import { Modal } from '@arco-design/web-vue'
import { t } from '@/i18n'

/**
 * A confirmation dialog in the current language (imperative Arco modals do not see the
 * app's ConfigProvider, so their button texts are set here).
 */
export function confirm(options: { title: string; content: string; onOk: () => Promise<unknown> | unknown; danger?: boolean }): void {
  Modal.warning({
    title: options.title,
    content: options.content,
    hideCancel: false,
    okText: t('common.confirm'),
    cancelText: t('common.cancel'),
    okButtonProps: { status: options.danger === false ? 'normal' : 'danger' },
    onOk: async () => {
      await options.onOk()
    },
  })
}
