// Stand-ins for what request.js imports from Vue Router and Element Plus, nothing more:
// router.push(path) changes the URL in place (as createWebHistory does) and shows that view;
// ElMessage shows the text. They carry no behaviour of their own the suite could judge.
'use strict'

window.router = {
  push(path) {
    if (window.location.pathname !== path) window.history.pushState({}, '', path)
    window.showView()
  },
}

window.showView = function showView() {
  const path = window.location.pathname
  const dashboard = path === '/dashboard'
  document.getElementById('login-view').hidden = dashboard
  document.getElementById('dashboard-view').hidden = !dashboard
}

function message(kind) {
  return (text) => {
    document.getElementById('message').textContent = `${kind}: ${text}`
  }
}

window.ElMessage = {
  success: message('success'),
  warning: message('warning'),
  error: message('error'),
}
