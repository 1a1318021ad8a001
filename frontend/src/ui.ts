// The Element Plus components the app uses, registered one by one so the bundle carries only
// these (the full library triples the page's JavaScript).
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-alert.css'
import 'element-plus/theme-chalk/el-button.css'
import 'element-plus/theme-chalk/el-card.css'
import 'element-plus/theme-chalk/el-container.css'
import 'element-plus/theme-chalk/el-footer.css'
import 'element-plus/theme-chalk/el-form.css'
import 'element-plus/theme-chalk/el-form-item.css'
import 'element-plus/theme-chalk/el-header.css'
import 'element-plus/theme-chalk/el-input.css'
import 'element-plus/theme-chalk/el-main.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-radio.css'
import 'element-plus/theme-chalk/el-radio-button.css'
import 'element-plus/theme-chalk/el-radio-group.css'

import {
  ElAlert,
  ElButton,
  ElCard,
  ElContainer,
  ElFooter,
  ElForm,
  ElFormItem,
  ElHeader,
  ElInput,
  ElMain,
  ElRadioButton,
  ElRadioGroup,
} from 'element-plus'
import type { App, Component } from 'vue'

// Registered by name: several of these (ElFormItem, ElRadioButton, ElHeader...) are "no-op
// install" exports whose app.use() registers nothing.
const COMPONENTS: Record<string, Component> = {
  ElAlert,
  ElButton,
  ElCard,
  ElContainer,
  ElFooter,
  ElForm,
  ElFormItem,
  ElHeader,
  ElInput,
  ElMain,
  ElRadioButton,
  ElRadioGroup,
}

export function installUi(app: App): void {
  for (const [name, component] of Object.entries(COMPONENTS)) app.component(name, component)
}
