// User-facing messages: an Element Plus toast plus the last notice kept in a reactive store,
// which the app shell renders with data-testid="last-notice" so tests read a stable kind
// instead of (bilingual, changeable) wording.
import { ElMessage } from 'element-plus'
import { reactive } from 'vue'

import type { ApiErrorKind } from './api/errors'

export type NoticeKind =
  | ApiErrorKind
  | 'validation'
  | 'login-ok'
  | 'login-failed'
  | 'logged-out'
  | 'logged-out-elsewhere'
  | 'data-ok'

const TEXT: Record<NoticeKind, string> = {
  'session-expired': '登录已过期，请重新登录 · Session expired, please log in again',
  unauthorized: '未授权，请稍后重试 · Not authorised, please try again',
  forbidden: '没有权限访问 · Access denied',
  'rate-limited': '请求过于频繁，请稍后重试 · Too many requests, try again later',
  server: '服务器错误，请稍后重试 · Server error, please try again later',
  network: '网络错误，请检查连接 · Network error, check your connection',
  client: '请求无效 · The request was refused',
  validation: '请输入用户名和密码 · Enter user name and password',
  'login-ok': '登录成功 · Logged in',
  'login-failed': '登录失败：用户名或密码错误 · Login failed: wrong user name or password',
  'logged-out': '已退出登录 · Logged out',
  'logged-out-elsewhere': '已在其他标签页退出登录 · Logged out in another tab',
  'data-ok': '获取数据成功 · Data loaded',
}

const TOAST_TYPE: Record<NoticeKind, 'success' | 'warning' | 'error' | 'info'> = {
  'session-expired': 'error',
  unauthorized: 'error',
  forbidden: 'error',
  'rate-limited': 'warning',
  server: 'error',
  network: 'error',
  client: 'error',
  validation: 'warning',
  'login-ok': 'success',
  'login-failed': 'error',
  'logged-out': 'success',
  'logged-out-elsewhere': 'info',
  'data-ok': 'success',
}

export interface NoticeState {
  kind: NoticeKind | null
  text: string
  /** Bumped on every notice so that two equal notices in a row are still distinguishable. */
  serial: number
}

export const lastNotice = reactive<NoticeState>({ kind: null, text: '', serial: 0 })

export function notify(kind: NoticeKind): void {
  const text = TEXT[kind]
  lastNotice.kind = kind
  lastNotice.text = text
  lastNotice.serial += 1
  // grouping: ten requests failing the same way show one toast with a counter, not ten.
  ElMessage({ message: text, type: TOAST_TYPE[kind], grouping: true, duration: 3000 })
}

export function noticeText(kind: NoticeKind): string {
  return TEXT[kind]
}
