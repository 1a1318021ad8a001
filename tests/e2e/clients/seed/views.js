// Login.vue and Dashboard.vue of the seed, reduced to their handlers, plus the hook the client
// suite fires bursts with: window.fireBurst(n) sends n GET /protected at once and resolves with
// how many succeeded and failed once every one has settled.
'use strict'
;(function () {
  const { service, login, logout } = window.seed

  document.getElementById('login-submit').addEventListener('click', async () => {
    const username = document.getElementById('username').value
    const password = document.getElementById('password').value
    if (!username || !password) {
      ElMessage.warning('请输入用户名和密码')
      return
    }
    try {
      await login(username, password)
      ElMessage.success('登录成功')
      router.push('/dashboard')
    } catch (error) {
      ElMessage.error('登录失败')
    }
  })

  document.getElementById('fetch-protected').addEventListener('click', async () => {
    try {
      const result = await service.get('/protected')
      document.getElementById('data').textContent = JSON.stringify(result)
      ElMessage.success('获取数据成功')
    } catch (error) {
      console.error('获取数据失败:', error)
    }
  })

  document.getElementById('logout').addEventListener('click', () => {
    logout()
    ElMessage.success('已退出登录')
  })

  window.fireBurst = async (n) => {
    const calls = Array.from({ length: n }, (_, index) => service.get(`/protected?call=${index}`))
    const outcomes = await Promise.allSettled(calls)
    const ok = outcomes.filter((outcome) => outcome.status === 'fulfilled').length
    return { ok, failed: n - ok }
  }

  window.addEventListener('popstate', showView)
  showView()
})()
