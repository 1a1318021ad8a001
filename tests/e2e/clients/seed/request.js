// src/utils/request.js of the seed design, as published: 方案一 verbatim, and 方案二's
// refreshAccessToken and response interceptor in place of 方案一's when ?scheme=promise.
// Only the module syntax is changed (globals instead of import/export), the base URL is the
// page's origin, and the scheme is chosen by the URL. The logic is the published one.
'use strict'
;(function () {
  const router = window.router
  const ElMessage = window.ElMessage
  // Kept for the tab's life, like our frontend's settings, so a reload runs the same scheme.
  const asked = new URLSearchParams(window.location.search).get('scheme')
  if (asked) sessionStorage.setItem('seed.scheme', asked)
  const scheme = sessionStorage.getItem('seed.scheme') === 'promise' ? 'promise' : 'queue'

  // 创建 axios 实例
  const service = axios.create({
    baseURL: window.location.origin,
    timeout: 10000,
  })

  // 是否正在刷新的标记
  let isRefreshing = false
  // 重试队列，每一项将是一个待执行的函数
  let requests = []

  // 从本地存储获取 token
  function getToken() {
    return {
      accessToken: localStorage.getItem('access_token'),
      refreshToken: localStorage.getItem('refresh_token'),
    }
  }

  // 设置 token 到本地存储
  function setToken(accessToken, refreshToken) {
    localStorage.setItem('access_token', accessToken)
    if (refreshToken) {
      localStorage.setItem('refresh_token', refreshToken)
    }
  }

  // 清除 token
  function clearToken() {
    localStorage.removeItem('access_token')
    localStorage.removeItem('refresh_token')
  }

  // 刷新 token 的函数 (方案一)
  async function refreshAccessTokenQueue() {
    const { refreshToken } = getToken()
    if (!refreshToken) {
      throw new Error('No refresh token available')
    }
    try {
      const response = await axios.post(`${service.defaults.baseURL}/refresh`, {
        refresh_token: refreshToken,
      })
      const { access_token } = response.data
      setToken(access_token, refreshToken)
      return access_token
    } catch (error) {
      clearToken()
      router.push('/login')
      throw error
    }
  }

  // 请求拦截器
  service.interceptors.request.use(
    (config) => {
      const { accessToken } = getToken()
      if (accessToken) {
        config.headers.Authorization = `Bearer ${accessToken}`
      }
      return config
    },
    (error) => {
      return Promise.reject(error)
    },
  )

  // 响应拦截器 (方案一)
  async function queueRecovery(error) {
    const { config, response } = error

    // 如果是 401 错误且不是刷新 token 的请求
    if (response && response.status === 401 && !config.url.includes('/refresh')) {
      const { refreshToken } = getToken()

      if (!refreshToken) {
        clearToken()
        router.push('/login')
        return Promise.reject(error)
      }

      // 如果正在刷新，将请求加入队列
      if (isRefreshing) {
        return new Promise((resolve) => {
          requests.push(() => {
            resolve(service(config))
          })
        })
      }

      // 标记开始刷新
      isRefreshing = true
      try {
        // 刷新 token
        const newAccessToken = await refreshAccessTokenQueue()
        // 设置新的 token
        config.headers.Authorization = `Bearer ${newAccessToken}`
        // 重新发送当前请求
        const result = await service(config)
        // 执行等待队列中的请求
        requests.forEach((cb) => cb())
        requests = []
        return result
      } catch (refreshError) {
        // 刷新失败，跳转到登录页
        clearToken()
        router.push('/login')
        ElMessage.error('登录已过期，请重新登录')
        return Promise.reject(refreshError)
      } finally {
        isRefreshing = false
      }
    }

    // 其他错误处理
    if (response && response.status === 403) {
      ElMessage.error('没有权限访问')
    } else if (response && response.status >= 500) {
      ElMessage.error('服务器错误，请稍后重试')
    }
    return Promise.reject(error)
  }

  // 方案二: 声明单例 promise 变量
  let singleRefreshToken = null

  async function refreshAccessTokenPromise() {
    // 如果有单例 promise，直接返回
    if (singleRefreshToken) {
      console.log('have multi refresh token')
      return singleRefreshToken
    }

    // 设置单例 promise
    singleRefreshToken = new Promise(async (resolve, reject) => {
      const refreshToken = localStorage.getItem('refresh_token')

      if (!refreshToken) {
        throw new Error('No refresh token available')
      }
      try {
        const response = await axios.post(`${service.defaults.baseURL}/refresh`, {
          refresh_token: refreshToken,
        })
        const { access_token } = response.data
        setToken(access_token, refreshToken)
        // resolve 新的 access token
        resolve(access_token)
      } catch (error) {
        clearToken()
        router.push('/login')
        reject(error)
      }
    })

    // 最后需要设置单例 promise 为 null
    singleRefreshToken.finally(() => {
      singleRefreshToken = null
    })

    return singleRefreshToken
  }

  // 响应拦截器 (方案二)
  async function promiseRecovery(error) {
    const { response, config } = error
    if (response && response.status === 401 && !config.url.includes('/refresh')) {
      // As published: the property itself, never called; the lines after it are elided ("// ...").
      const refreshToken = localStorage.getItem
      void refreshToken
      try {
        const newAccessToken = await refreshAccessTokenPromise()

        config.headers['Authorization'] = `Bearer ${newAccessToken}`
        const result = service(config)

        return result
      } catch (error) {
        clearToken()
        router.push('/login')
        ElMessage.error('登录已过期，请重新登录')
        return Promise.reject(error)
      }
    }
    return Promise.reject(error)
  }

  service.interceptors.response.use(
    (response) => {
      return response.data
    },
    scheme === 'promise' ? promiseRecovery : queueRecovery,
  )

  // 登录函数
  async function login(username, password) {
    const response = await service.post('/login', { username, password })
    const { access_token, refresh_token } = response
    setToken(access_token, refresh_token)
    return response
  }

  // 登出函数
  function logout() {
    clearToken()
    router.push('/login')
  }

  window.seed = { service, login, logout, scheme }
})()
