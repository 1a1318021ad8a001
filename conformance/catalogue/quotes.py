"""The normative sentences the cases enforce, quoted from their sources (Case.quote).

Each case's level is its sentence's BCP 14 keyword (MUST/SHALL/REQUIRED or SHOULD/RECOMMENDED).
The seed design (/work/shared/seed/dual-token-refresh.md, in Chinese) is quoted translated, with
its own words after; it states a design, so its sentences bind as MUST unless they say "should"
or "consider" (应/考虑). Sentences are shortened with … where the rest is not what the case checks.
"""

from __future__ import annotations

ASVS_2_2_1 = (
    "OWASP ASVS v4.0.3 2.2.1: Verify that anti-automation controls are effective at mitigating "
    "breached credential testing, brute force, and account lockout attacks. … Verify that no "
    "more than 100 failed attempts per hour is possible on a single account."
)
BEARER_CHALLENGE_02 = (
    "If the request lacks any authentication information …, the resource server SHOULD NOT "
    "include an error code or other error information."
)
BEARER_CHALLENGE_04 = (
    "If the protected resource request included an access token and failed authentication, the "
    'resource server SHOULD include the "error" attribute to provide the client with the '
    "reason why the access request was declined."
)
BEARER_MISSING_01 = (
    "The 401 (Unauthorized) status code indicates that the request has not been applied because "
    "it lacks valid authentication credentials for the target resource."
)
BEARER_QUERY_01 = (
    "Bearer tokens SHOULD NOT be passed in page URLs (for example, as query string parameters)."
)
BEARER_SCHEME_02 = "It uses a case-insensitive token to identify the authentication scheme"
COOKIE_ATTR_01 = (
    "OWASP ASVS v4.0.3 3.4.2: Verify that cookie-based session tokens have the 'HttpOnly' "
    "attribute set."
)
COOKIE_ATTR_02 = (
    "OWASP ASVS v4.0.3 3.4.1: Verify that cookie-based session tokens have the 'Secure' "
    "attribute set."
)
COOKIE_ATTR_03 = (
    "OWASP ASVS v4.0.3 3.4.3: Verify that cookie-based session tokens utilize the 'SameSite' "
    "attribute to limit exposure to cross-site request forgery attacks."
)
COOKIE_ATTR_04 = (
    "OWASP ASVS v4.0.3 3.4.5: Verify that if the application is published under a domain name "
    "with other applications that set or use session cookies that might disclose the session "
    "cookies, set the path attribute in cookie-based session tokens using the most precise path "
    "possible."
)
COOKIE_ATTR_05 = (
    "The Max-Age attribute indicates the maximum lifetime of the cookie, represented as the "
    "number of seconds until the cookie expires."
)
COOKIE_CSRF_01 = (
    "Implementations that do store bearer tokens in cookies MUST take precautions against "
    "cross-site request forgery."
)
COOKIE_LOGOUT_01 = (
    "Finally, to remove a cookie, the server returns a Set-Cookie header with an expiration date "
    "in the past."
)
COOKIE_SET_01 = (
    "The Set-Cookie HTTP response header is used to send cookies from the server to the user agent."
)
COOKIE_SET_02 = (
    'seed design §注意事项 1: "Storage safety: in production consider encrypted storage or an '
    'HttpOnly cookie" (存储安全：生产环境考虑加密存储或 HttpOnly Cookie)'
)
CORS_01 = (
    "OWASP ASVS v4.0.3 14.5.3: Verify that the Cross-Origin Resource Sharing (CORS) "
    "Access-Control-Allow-Origin header uses a strict allow list of trusted domains and "
    'subdomains to match against and does not support the "null" origin.'
)
JWT_CLAIM_04 = (
    "The set of claims that a JWT must contain to be considered valid is context dependent"
)
JWT_CLAIM_09 = 'The "sub" value is a case-sensitive string containing a StringOrURI value.'
JWT_CLAIM_10 = (
    "The issuer identifier for the authorization server … MUST exactly match the value of the "
    '"iss" claim.'
)
JWT_CLAIM_11 = (
    'The JWT access token MUST be rejected if "aud" does not contain a resource indicator of '
    "the current resource server as a valid audience."
)
JWT_FORMAT_05 = (
    "If any of the listed extension Header Parameters are not understood and supported by the "
    "recipient, then the JWS is invalid."
)
JWT_TIME_06 = 'The "iat" (issued at) claim identifies the time at which the JWT was issued.'
LIFETIME_EXPIRES_IN_01 = "expires_in RECOMMENDED. The lifetime in seconds of the access token."
LIFETIME_RANGE_01 = (
    'seed design §后端代码 2: "give the access token a short expiry (e.g. 15 minutes) and the '
    'refresh token a long one (e.g. 7 days)" (如 15 分钟 · 如 7 天)'
)
LOGIN_FIELDS_01 = (
    "token_type REQUIRED. The type of the token issued as described in Section 7.1. Value is "
    "case insensitive."
)
LOGIN_REJECT_05 = (
    "An application should respond with a generic error message regardless of whether: The user "
    "ID or password was incorrect. The account does not exist."
)
LOGIN_REJECT_06 = 'The client MUST use the HTTP "POST" method when making access token requests.'
R6749_400 = (
    "The authorization server responds with an HTTP 400 (Bad Request) status code (unless "
    "specified otherwise)"
)
R6749_CACHE = (
    'The authorization server MUST include the HTTP "Cache-Control" response header field with '
    'a value of "no-store" in any response containing tokens, credentials, or other sensitive '
    'information, as well as the "Pragma" response header field with a value of "no-cache".'
)
R6749_ISSUES = (
    "If valid and authorized, the authorization server issues an access token as described in "
    "Section 5.1."
)
R6749_VALIDATE = "The authorization server MUST: … validate the refresh token."
R6750_CHALLENGE = (
    "If the protected resource request does not include authentication credentials or does not "
    "contain an access token that enables access to the protected resource, the resource server "
    'MUST include the HTTP "WWW-Authenticate" response header field'
)
R6750_GRAMMAR = (
    'The syntax for Bearer credentials is as follows: b64token = 1*( ALPHA / DIGIT / "-" / '
    '"." / "_" / "~" / "+" / "/" ) *"="; credentials = "Bearer" 1*SP b64token'
)
R6750_SUPPORT = "Resource servers MUST support this method."
R7009_200 = (
    "The authorization server responds with HTTP status code 200 if the token has been revoked "
    "successfully or if the client submitted an invalid token."
)
R7009_GONE = (
    "The invalidation takes place immediately, and the token cannot be used again after the "
    "revocation."
)
R7009_GRANT = (
    "A revocation request will invalidate the actual token and, if applicable, other tokens "
    "based on the same authorization grant"
)
R7009_INVALID = (
    "Note: invalid tokens do not cause an error response since the client cannot handle such an "
    "error in a reasonable way."
)
R7009_OTHERS = (
    "If the particular token is a refresh token and the authorization server supports the "
    "revocation of access tokens, then the authorization server SHOULD also invalidate all "
    "access tokens based on the same authorization grant"
)
R7009_REFRESH = "Implementations MUST support the revocation of refresh tokens"
R7009_REFUSED = (
    "The authorization server first validates the client credentials … If this validation fails, "
    "the request is refused"
)
R7518_NONE = (
    "Implementations that support Unsecured JWSs MUST NOT accept such objects as valid unless "
    "the application specifies that it is acceptable for a specific object to be not integrity "
    "protected."
)
R7519_EXP = (
    'The processing of the "exp" claim requires that the current date/time MUST be before the '
    'expiration date/time listed in the "exp" claim.'
)
R7519_EXP_TYPE = (
    'The "exp" (expiration time) claim identifies the expiration time on or after which the '
    "JWT MUST NOT be accepted for processing. … Its value MUST be a number containing a "
    "NumericDate value."
)
R7519_JTI = (
    "The identifier value MUST be assigned in a manner that ensures that there is a negligible "
    "probability that the same value will be accidentally assigned to a different data object"
)
R7519_NBF = (
    'The processing of the "nbf" claim requires that the current date/time MUST be after or '
    'equal to the not-before date/time listed in the "nbf" claim.'
)
R7519_REJECT = (
    "If any of the listed steps fail, then the JWT MUST be rejected -- that is, treated by the "
    "application as an invalid input."
)
R8725_ENTROPY = (
    "In particular, human-memorizable passwords MUST NOT be directly used as the key to a "
    'keyed-MAC algorithm such as "HS256".'
)
R8725_KINDS = (
    "If more than one kind of JWT can be issued by the same issuer, the validation rules for "
    "those JWTs MUST be written such that they are mutually exclusive, rejecting JWTs of the "
    "wrong kind."
)
R8725_ONE_ALG = (
    "Each key MUST be used with exactly one algorithm, and this MUST be checked when the "
    "cryptographic operation is performed."
)
R9110_400 = (
    "The 400 (Bad Request) status code indicates that the server cannot or will not process the "
    "request due to something that is perceived to be a client error (e.g., malformed request "
    "syntax"
)
R9110_5XX = (
    "The 5xx (Server Error) class of status code indicates that the server is aware that it has "
    "erred or is incapable of performing the requested method."
)
R9700_FRESH = (
    "This stops the attack at the cost of forcing the legitimate client to obtain a fresh "
    "authorization grant."
)
R9700_RELATION = (
    "The previous refresh token is invalidated but information about the relationship is "
    "retained by the authorization server."
)
R9700_REUSE = (
    "one of them will present an invalidated refresh token, which will inform the authorization "
    "server of the breach. … it will revoke the active refresh token."
)
R9700_ROTATION = (
    "Refresh token rotation: The authorization server issues a new refresh token with every "
    "access token refresh response. The previous refresh token is invalidated"
)
RATE_LIMIT_02 = (
    "The response representations SHOULD include details explaining the condition, and MAY "
    "include a Retry-After header indicating how long to wait before making a new request."
)
RATE_LIMIT_03 = (
    "The 429 status code indicates that the user has sent too many requests in a given amount of "
    'time ("rate limiting").'
)
REFRESH_OK_06 = (
    "The authorization server MAY issue a new refresh token, in which case the client MUST "
    "discard the old refresh token and replace it with the new refresh token."
)
ROBUST_LOGIN_04 = (
    "The 415 (Unsupported Media Type) status code indicates that the origin server is refusing "
    "to service the request because the content is in a format not supported by this method on "
    "the target resource."
)
ROBUST_METHOD_01 = (
    "The 405 (Method Not Allowed) status code indicates that the method received in the "
    "request-line is known by the origin server but not supported by the target resource."
)
ROBUST_PATH_01 = (
    "The 414 (URI Too Long) status code indicates that the server is refusing to service the "
    "request because the target URI is longer than the server is willing to interpret."
)
ROBUST_SIZE_01 = (
    "The 413 (Content Too Large) status code indicates that the server is refusing to process a "
    "request because the request content is larger than the server is willing or able to process."
)
ROBUST_SIZE_03 = (
    "The 431 status code indicates that the server is unwilling to process the request because "
    "its header fields are too large."
)
S_ACCESS_SHORT = (
    'seed design §后端实现思路: "Access Token (short-lived): validity short (15-30 minutes)" '
    "(有效期：短（15-30分钟）)"
)
S_BLACKLIST = (
    'seed design §安全设计要点: "Blacklist: tokens are voided at logout" '
    "(黑名单机制：支持登出时 Token 作废)"
)
S_CONC = (
    'seed design §前端实现思路 3: "several requests at once may each trigger a refresh" '
    "(防止多个请求同时触发刷新): each refresh of a live refresh token is answered"
)
S_DISABLED = (
    'seed design §后端代码: each user record carries a "disabled" flag ("disabled": False), '
    "and a token's data is verified on use (验证 token 的数据有效性)"
)
S_LOGIN = (
    'seed design §后端实现思路: "At login: create the access token and the refresh token '
    'together" (登录时：同时生成 Access Token 和 Refresh Token)'
)
S_NEW_ACCESS = (
    'seed design §后端代码 1.3: "refresh: verify the refreshToken, create a new access token '
    'and return it" (验证 refreshToken 的有效性 · 创建新的 access token 并返回给前端), with '
    "ACCESS_TOKEN_EXPIRE_MINUTES"
)
S_PUBLIC = (
    'seed design §后端代码: "public endpoint" (公开接口) GET /public answers without credentials'
)
S_RATE = (
    'seed design §注意事项 2: "Refresh rate limit: the backend should limit how often the '
    'refresh endpoint is called" (刷新频率限制：后端应限制刷新接口调用频率)'
)
S_REFRESH = (
    'seed design §后端实现思路: "a separate /refresh endpoint … returns a new Access Token (not '
    'a new Refresh Token)" (提供独立的 /refresh 接口 … 返回新的 Access Token（不返回新的 '
    "Refresh Token）)"
)
S_REFRESH_LONG = (
    'seed design §后端实现思路: "Refresh Token (long-lived): validity long (7-30 days)" '
    "(有效期：长（7-30天）)"
)
S_SILENT = (
    'seed design §前端实现思路: "Access Token expired → intercept the 401 → request a refresh → '
    'get a new Access Token → resend the original request" (Access Token 过期 → 拦截 401 错误 … '
    "获取新 Access Token)"
)
S_TYPE = (
    'seed design §安全设计要点: "Type marker: the token payload holds a type field that tells '
    'the kinds apart" (类型标记：Token payload 中包含 type 字段区分类型)'
)
S_VERIFY_DATA = (
    "seed design §后端代码 3.2: \"verify that the token's data is valid (e.g. that the username "
    'exists)" (验证 token 的数据有效性（如用户名是否存在）)'
)
S_VERIFY_PW = (
    'seed design §后端代码 1.1: "login: verify the username and password" (验证用户名和密码)'
)
