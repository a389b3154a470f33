// API Gateway authorizers as the simulator emulates them: reading them from the manifest,
// taking the identity from the request, the events authorizer functions receive, what their
// answers mean, and JWT verification against keys generated at test time.
#include "gateway/authorizers.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/net/base64.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <QtTest>

using namespace nimbus;
using namespace nimbus::sim;
using nlohmann::json;
using Kind = AuthorizerSpec::Kind;

namespace {

const char *kManifest = R"(service: shop
provider:
  name: aws
  runtime: python3.11
  httpApi:
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience:
          - app-client
          - other-client
      plainJwt:
        type: jwt
        issuerUrl: https://idp.example.com
        audience: single
      customAuth:
        type: request
        functionName: authFn
        identitySource:
          - $request.header.X-Token
          - $request.querystring.tenant
        resultTtlInSeconds: 60
        enableSimpleResponses: true
      legacyAuth:
        type: request
        functionName: authFn
        payloadVersion: '1.0'
        identitySource: $request.header.Authorization
      arnAuth:
        type: request
        functionArn: arn:aws:lambda:us-east-1:123456789012:function:shop-dev-authFn
custom:
  nimbus:
    authorizers:
      jwtAuth:
        jwks: keys/jwks.json
functions:
  authFn:
    handler: h.auth
  rest:
    handler: h.rest
    events:
      - http: GET /open
      - http:
          path: /by-name
          method: get
          authorizer: authFn
      - http:
          path: /request
          method: get
          authorizer:
            name: authFn
            type: request
            identitySource: method.request.header.X-Token, method.request.querystring.tenant
            resultTtlInSeconds: 0
      - http:
          path: /request-uncached
          method: get
          authorizer:
            name: authFn
            type: REQUEST
            resultTtlInSeconds: 0
      - http:
          path: /token-settings
          method: get
          authorizer:
            name: authFn
            type: Token
            identitySource: method.request.header.X-Auth
            identityValidationExpression: '^Bearer [a-z]+$'
            resultTtlInSeconds: 10
      - http:
          path: /by-arn
          method: get
          authorizer:
            arn: arn:aws:lambda:us-east-1:123456789012:function:shop-dev-authFn
      - http:
          path: /by-arn-string
          method: get
          authorizer: arn:aws:lambda:us-east-1:123456789012:function:authFn:live
      - http:
          path: /external
          method: get
          authorizer:
            name: external
            arn: arn:aws:lambda:us-east-1:123456789012:function:elsewhere
      - http:
          path: /iam
          method: get
          authorizer: aws_iam
      - http:
          path: /cognito
          method: get
          authorizer:
            name: pool
            arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc
      - http:
          path: /missing
          method: get
          authorizer: missingFn
      - http:
          path: /bad-expression
          method: get
          authorizer:
            name: authFn
            identityValidationExpression: '('
      - http:
          path: /get-att
          method: get
          authorizer:
            name: viaGetAtt
            arn:
              Fn::GetAtt: [AuthFnLambdaFunction, Arn]
  web:
    handler: h.web
    events:
      - httpApi: GET /v2/open
      - httpApi:
          method: GET
          path: /v2/jwt
          authorizer: jwtAuth
      - httpApi:
          method: GET
          path: /v2/scoped
          authorizer:
            name: plainJwt
            scopes: [read, write]
      - httpApi:
          method: GET
          path: /v2/custom
          authorizer: customAuth
      - httpApi:
          method: GET
          path: /v2/legacy
          authorizer:
            name: legacyAuth
      - httpApi:
          method: GET
          path: /v2/iam
          authorizer:
            type: aws_iam
      - httpApi:
          method: GET
          path: /v2/unknown
          authorizer: nope
      - httpApi:
          method: GET
          path: /v2/arn
          authorizer: arnAuth
)";

const char *kKindNames[] = {"Token", "Request", "Jwt", "Unsupported"};

QString joinedList(const std::vector<std::string> &items) {
    QStringList out;
    for (const auto &item : items)
        out << QString::fromStdString(item);
    return out.join(',');
}

// A spec in one line, for comparing with a row.
QString describe(const AuthorizerSpec &spec) {
    if (spec.kind == Kind::Unsupported)
        return "Unsupported: " + QString::fromStdString(spec.unsupported);
    QString out = QString("%1 name=%2").arg(kKindNames[static_cast<int>(spec.kind)],
                                            QString::fromStdString(spec.name));
    if (spec.kind != Kind::Jwt)
        out += " function=" + QString::fromStdString(spec.function);
    out += " sources=" + joinedList(spec.identitySources);
    out += " ttl=" + QString::number(spec.ttlSeconds);
    if (!spec.validationExpression.empty())
        out += " expression=" + QString::fromStdString(spec.validationExpression);
    if (spec.kind == Kind::Request && spec.httpApi)
        out += QString(" payload=%1 simple=%2")
                   .arg(QString::fromStdString(spec.payloadVersion),
                        spec.simpleResponses ? "yes" : "no");
    if (spec.kind == Kind::Jwt)
        out += QString(" issuer=%1 audiences=%2 jwks=%3 scopes=%4")
                   .arg(QString::fromStdString(spec.issuer), joinedList(spec.audiences),
                        QString::fromStdString(spec.jwks), joinedList(spec.scopes));
    return out;
}

std::string base64Url(std::string_view data) {
    std::string text = net::base64Encode(data);
    for (char &c : text)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!text.empty() && text.back() == '=')
        text.pop_back();
    return text;
}

std::string bignumBytes(const BIGNUM *number, int size = 0) {
    std::string out(static_cast<std::size_t>(size > 0 ? size : BN_num_bytes(number)), '\0');
    BN_bn2binpad(number, reinterpret_cast<unsigned char *>(out.data()),
                 static_cast<int>(out.size()));
    return out;
}

std::string bignumParam(EVP_PKEY *key, const char *name, int size = 0) {
    BIGNUM *number = nullptr;
    EVP_PKEY_get_bn_param(key, name, &number);
    const std::string out = bignumBytes(number, size);
    BN_free(number);
    return out;
}

json rsaJwk(EVP_PKEY *key, const std::string &kid) {
    return {{"kty", "RSA"},
            {"kid", kid},
            {"use", "sig"},
            {"n", base64Url(bignumParam(key, OSSL_PKEY_PARAM_RSA_N))},
            {"e", base64Url(bignumParam(key, OSSL_PKEY_PARAM_RSA_E))}};
}

json ecJwk(EVP_PKEY *key, const std::string &kid, const std::string &curve, int size,
           const std::string &alg) {
    return {{"kty", "EC"},
            {"kid", kid},
            {"crv", curve},
            {"alg", alg},
            {"x", base64Url(bignumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, size))},
            {"y", base64Url(bignumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, size))}};
}

// Signs as a JWS producer does: RSASSA-PKCS1-v1_5, or ECDSA written as r||s.
std::string sign(EVP_PKEY *key, const std::string &alg, const std::string &input) {
    const EVP_MD *md = alg.ends_with("256")   ? EVP_sha256()
                       : alg.ends_with("384") ? EVP_sha384()
                                              : EVP_sha512();
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    std::size_t size = 0;
    EVP_DigestSignInit(context, nullptr, md, nullptr, key);
    const auto *data = reinterpret_cast<const unsigned char *>(input.data());
    EVP_DigestSign(context, nullptr, &size, data, input.size());
    std::string signature(size, '\0');
    EVP_DigestSign(context, reinterpret_cast<unsigned char *>(signature.data()), &size, data,
                   input.size());
    signature.resize(size);
    EVP_MD_CTX_free(context);
    if (!EVP_PKEY_is_a(key, "EC"))
        return signature;
    const int half = alg == "ES256" ? 32 : 48;
    const auto *der = reinterpret_cast<const unsigned char *>(signature.data());
    ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(ecdsa, &r, &s);
    const std::string jose = bignumBytes(r, half) + bignumBytes(s, half);
    ECDSA_SIG_free(ecdsa);
    return jose;
}

std::string makeToken(EVP_PKEY *key, const json &header, const json &claims) {
    const std::string input = base64Url(header.dump()) + "." + base64Url(claims.dump());
    const std::string alg = header.value("alg", "");
    const std::string signature = alg.starts_with("RS") || alg.starts_with("ES")
                                      ? sign(key, alg, input)
                                      : std::string(alg == "none" ? "" : "not-a-signature");
    return input + "." + base64Url(signature);
}

GatewayRequest requestWith(const QString &headers, const QString &query) {
    GatewayRequest request;
    request.method = "GET";
    request.path = "/pets/7";
    request.rawQuery = query.toStdString();
    for (const auto &line : headers.split('\n', Qt::SkipEmptyParts)) {
        const auto colon = line.indexOf(':');
        request.headers.emplace_back(line.left(colon).toStdString(),
                                     line.mid(colon + 1).trimmed().toStdString());
    }
    return request;
}

std::vector<std::string> listOf(const QString &text, QChar separator = ',') {
    std::vector<std::string> out;
    for (const auto &item : text.split(separator, Qt::SkipEmptyParts))
        out.push_back(item.toStdString());
    return out;
}

constexpr std::int64_t kNow = 1700000000; // 2023-11-14T22:13:20Z
const char *kArn = "arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/GET/pets/7";

} // namespace

class TstAuthorizers : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void readsRestAuthorizers_data();
    void readsRestAuthorizers();
    void readsHttpApiAuthorizers_data();
    void readsHttpApiAuthorizers();
    void takesIdentityFromRequest_data();
    void takesIdentityFromRequest();
    void keysCacheByNameAndIdentity();
    void buildsMethodArns_data();
    void buildsMethodArns();
    void buildsTokenEvent();
    void buildsRestRequestEvent();
    void buildsHttpApiRequestEvents();
    void evaluatesAnswers_data();
    void evaluatesAnswers();
    void parsesKeySets_data();
    void parsesKeySets();
    void findsDiscoveryDocument();
    void verifiesJwts_data();
    void verifiesJwts();
    void passesJwtClaimsOn();

private:
    std::optional<manifest::Manifest> m_manifest;
    EVP_PKEY *m_rsa = nullptr;
    EVP_PKEY *m_otherRsa = nullptr; // not in the key set
    EVP_PKEY *m_ec256 = nullptr;
    EVP_PKEY *m_ec384 = nullptr;
    Jwks m_jwks;
    json m_jwksJson;
};

void TstAuthorizers::initTestCase() {
    manifest::LoadOptions options;
    options.checkHandlers = false;
    auto loaded = manifest::ManifestLoader(options).loadText(kManifest, "/p/serverless.yml");
    // Some rows name authorizers that do not exist, which validation reports as errors; the
    // manifest is still read, and the module must still say why it cannot run them.
    QVERIFY(loaded.manifest);
    m_manifest = std::move(loaded.manifest);

    const std::size_t bits = 2048;
    m_rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
    m_otherRsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
    m_ec256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    m_ec384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    QVERIFY(m_rsa && m_otherRsa && m_ec256 && m_ec384);
    m_jwksJson = {{"keys",
                   {rsaJwk(m_rsa, "rsa-1"), ecJwk(m_ec256, "ec-1", "P-256", 32, "ES256"),
                    ecJwk(m_ec384, "ec-2", "P-384", 48, "ES384")}}};
    std::string error;
    auto jwks = parseJwks(m_jwksJson.dump(), error);
    QVERIFY2(jwks, error.c_str());
    QCOMPARE(jwks->keys.size(), std::size_t(3));
    m_jwks = std::move(*jwks);
}

void TstAuthorizers::cleanupTestCase() {
    for (EVP_PKEY *key : {m_rsa, m_otherRsa, m_ec256, m_ec384})
        EVP_PKEY_free(key);
}

void TstAuthorizers::readsRestAuthorizers_data() {
    QTest::addColumn<int>("event");
    QTest::addColumn<QString>("expected"); // empty: no authorizer; "Unsupported: ..." contained
    const QString byName =
        "Token name=authFn function=authFn sources=method.request.header.Authorization ttl=300";
    QTest::newRow("route without authorizer") << 0 << "";
    QTest::newRow("function name: token authorizer on the Authorization header") << 1 << byName;
    QTest::newRow("request authorizer with a comma-separated source list")
        << 2 << "Request name=authFn function=authFn "
                "sources=method.request.header.X-Token,method.request.querystring.tenant ttl=0";
    QTest::newRow("uncached request authorizer may have no source")
        << 3 << "Request name=authFn function=authFn sources= ttl=0";
    QTest::newRow("token settings in mixed case")
        << 4 << "Token name=authFn function=authFn sources=method.request.header.X-Auth ttl=10 "
                "expression=^Bearer [a-z]+$";
    QTest::newRow("ARN of the deployed function") << 5 << byName;
    QTest::newRow("ARN string with an alias, manifest name") << 6 << byName;
    QTest::newRow("ARN of a function elsewhere")
        << 7 << "Unsupported: the authorizer "
                "arn:aws:lambda:us-east-1:123456789012:function:elsewhere "
                "is not a function of this project";
    QTest::newRow("aws_iam") << 8 << "Unsupported: AWS_IAM authorization";
    QTest::newRow("cognito user pool ARN") << 9 << "Unsupported: Cognito user pool";
    QTest::newRow("unknown function") << 10 << "Unsupported: there is no function 'missingFn'";
    QTest::newRow("invalid validation expression")
        << 11 << "Unsupported: identityValidationExpression '(' is not a valid regular expression";
    QTest::newRow("Fn::GetAtt of the function's logical id")
        << 12 << "Token name=viaGetAtt function=authFn "
                 "sources=method.request.header.Authorization ttl=300";
}

void TstAuthorizers::readsRestAuthorizers() {
    QFETCH(int, event);
    QFETCH(QString, expected);
    const auto &events = m_manifest->function("rest")->events;
    QVERIFY(event < static_cast<int>(events.size()));
    const auto &chosen = events[static_cast<std::size_t>(event)];
    const auto spec = restAuthorizerOf(*m_manifest, chosen);
    QCOMPARE(spec.has_value(), !expected.isEmpty());
    QCOMPARE(authorizerOf(*m_manifest, chosen).has_value(), spec.has_value());
    if (!spec)
        return;
    QVERIFY(!spec->httpApi);
    const QString actual = describe(*spec);
    if (expected.startsWith("Unsupported:"))
        QVERIFY2(actual.contains(expected), qPrintable(actual));
    else
        QCOMPARE(actual, expected);
}

void TstAuthorizers::readsHttpApiAuthorizers_data() {
    QTest::addColumn<int>("event");
    QTest::addColumn<QString>("expected");
    QTest::newRow("route without authorizer") << 0 << "";
    QTest::newRow("JWT authorizer with a key set of the project's")
        << 1 << "Jwt name=jwtAuth sources=$request.header.Authorization ttl=0 "
                "issuer=https://issuer.example.com audiences=app-client,other-client "
                "jwks=keys/jwks.json scopes=";
    QTest::newRow("JWT authorizer with scopes, keys by discovery")
        << 2 << "Jwt name=plainJwt sources=$request.header.Authorization ttl=0 "
                "issuer=https://idp.example.com audiences=single jwks= scopes=read,write";
    QTest::newRow("request authorizer with simple responses")
        << 3 << "Request name=customAuth function=authFn "
                "sources=$request.header.X-Token,$request.querystring.tenant ttl=60 "
                "payload=2.0 simple=yes";
    QTest::newRow("request authorizer, payload 1.0, by name in settings")
        << 4 << "Request name=legacyAuth function=authFn "
                "sources=$request.header.Authorization ttl=0 payload=1.0 simple=no";
    QTest::newRow("aws_iam") << 5 << "Unsupported: AWS_IAM authorization";
    QTest::newRow("unknown name lists the known ones")
        << 6 << "Unsupported: unknown authorizer 'nope': provider.httpApi.authorizers defines "
                "arnAuth, customAuth, jwtAuth, legacyAuth, plainJwt";
    QTest::newRow("request authorizer by functionArn")
        << 7 << "Request name=arnAuth function=authFn sources= ttl=0 payload=2.0 simple=no";
}

void TstAuthorizers::readsHttpApiAuthorizers() {
    QFETCH(int, event);
    QFETCH(QString, expected);
    const auto &events = m_manifest->function("web")->events;
    QVERIFY(event < static_cast<int>(events.size()));
    const auto &chosen = events[static_cast<std::size_t>(event)];
    const auto spec = httpApiAuthorizerOf(*m_manifest, chosen);
    QCOMPARE(spec.has_value(), !expected.isEmpty());
    QCOMPARE(authorizerOf(*m_manifest, chosen).has_value(), spec.has_value());
    if (!spec)
        return;
    QVERIFY(spec->httpApi);
    const QString actual = describe(*spec);
    if (expected.startsWith("Unsupported:"))
        QVERIFY2(actual.contains(expected), qPrintable(actual));
    else
        QCOMPARE(actual, expected);
}

void TstAuthorizers::takesIdentityFromRequest_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("httpApi");
    QTest::addColumn<QString>("sources");
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("headers");
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("expected"); // values joined by '|'; "<401>" for none
    const QString auth = "method.request.header.Authorization";
    const QString restPair = "method.request.header.X-Token,method.request.querystring.tenant";
    const QString httpPair = "$request.header.X-Token,$request.querystring.tenant";
    QTest::newRow("header names are case-insensitive")
        << "Token" << false << auth << "" << "authorization: abc" << "" << "abc";
    QTest::newRow("missing header")
        << "Token" << false << auth << "" << "Other: x" << "" << "<401>";
    QTest::newRow("empty header")
        << "Token" << false << auth << "" << "Authorization: " << "" << "<401>";
    QTest::newRow("header and query string")
        << "Request" << false << restPair << "" << "X-Token: t" << "tenant=acme&x=1" << "t|acme";
    QTest::newRow("one source missing")
        << "Request" << false << restPair << "" << "X-Token: t" << "x=1" << "<401>";
    QTest::newRow("REST takes the last repeated value")
        << "Request" << false << restPair << "" << "X-Token: a\nx-token: b"
        << "tenant=1&tenant=2" << "b|2";
    QTest::newRow("HTTP API joins repeated values, query decoded")
        << "Request" << true << httpPair << "" << "X-Token: a\nx-token: b" << "tenant=a%20b"
        << "a,b|a b";
    QTest::newRow("path parameter")
        << "Request" << false << "method.request.path.id" << "" << "" << "" << "7";
    QTest::newRow("context sources are not simulated")
        << "Request" << true << "$context.identity.sourceIp,$request.header.A" << "" << "A: 1"
        << "" << "1";
    QTest::newRow("request authorizer without sources")
        << "Request" << true << "" << "" << "" << "" << "";
    QTest::newRow("token matches the validation expression")
        << "Token" << false << auth << "^Bearer [a-z]+$" << "Authorization: Bearer abc" << ""
        << "Bearer abc";
    QTest::newRow("token fails the validation expression")
        << "Token" << false << auth << "^Bearer [a-z]+$" << "Authorization: Bearer ABC" << ""
        << "<401>";
    QTest::newRow("the expression must match the whole token")
        << "Token" << false << auth << "Bearer" << "Authorization: Bearer abc" << "" << "<401>";
    QTest::newRow("JWT without a token")
        << "Jwt" << true << "$request.header.Authorization" << "" << "" << "" << "<401>";
}

void TstAuthorizers::takesIdentityFromRequest() {
    QFETCH(QString, kind);
    QFETCH(bool, httpApi);
    QFETCH(QString, sources);
    QFETCH(QString, expression);
    QFETCH(QString, headers);
    QFETCH(QString, query);
    QFETCH(QString, expected);
    AuthorizerSpec spec;
    spec.kind = kind == "Token" ? Kind::Token : kind == "Jwt" ? Kind::Jwt : Kind::Request;
    spec.httpApi = httpApi;
    spec.identitySources = listOf(sources);
    spec.validationExpression = expression.toStdString();
    Route route{"GET", "/pets/{id}", "fn", RouteKind::RestEvent, nullptr, nullptr};
    const RouteMatch match{&route, {{"id", "7"}}, {}, {}};
    const auto identity = identityOf(spec, requestWith(headers, query), match);
    if (expected == "<401>") {
        QVERIFY(!identity);
        return;
    }
    QVERIFY(identity);
    QStringList values;
    for (const auto &value : *identity)
        values << QString::fromStdString(value);
    QCOMPARE(values.join('|'), expected);
}

void TstAuthorizers::keysCacheByNameAndIdentity() {
    AuthorizerSpec spec;
    spec.name = "auth";
    spec.identitySources = {"method.request.header.Authorization"};
    QVERIFY(cachesAnswers(spec));
    QCOMPARE(authorizerCacheKey(spec, {"a"}), authorizerCacheKey(spec, {"a"}));
    QVERIFY(authorizerCacheKey(spec, {"a"}) != authorizerCacheKey(spec, {"b"}));
    QVERIFY(authorizerCacheKey(spec, {"ab", "c"}) != authorizerCacheKey(spec, {"a", "bc"}));
    AuthorizerSpec other = spec;
    other.name = "other";
    QVERIFY(authorizerCacheKey(spec, {"a"}) != authorizerCacheKey(other, {"a"}));
    spec.ttlSeconds = 0;
    QVERIFY(!cachesAnswers(spec));
    other.kind = Kind::Request;
    other.identitySources.clear();
    QVERIFY(!cachesAnswers(other));
    other.kind = Kind::Jwt;
    other.identitySources = {"$request.header.Authorization"};
    QVERIFY(!cachesAnswers(other));
}

void TstAuthorizers::buildsMethodArns_data() {
    QTest::addColumn<QString>("stage");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("arn");
    QTest::newRow("REST resource path")
        << "dev" << "GET" << "/pets/7"
        << "arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/GET/pets/7";
    QTest::newRow("root path")
        << "dev" << "POST" << "/"
        << "arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/POST/";
    QTest::newRow("HTTP API default stage")
        << "$default" << "GET" << "/items"
        << "arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/$default/GET/items";
}

void TstAuthorizers::buildsMethodArns() {
    QFETCH(QString, stage);
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QString, arn);
    ApiContext api;
    api.stage = stage.toStdString();
    QCOMPARE(QString::fromStdString(
                 methodArn("us-east-1", api, method.toStdString(), path.toStdString())),
             arn);
}

void TstAuthorizers::buildsTokenEvent() {
    AuthorizerSpec spec;
    Route route{"GET", "/pets/{id}", "fn", RouteKind::RestEvent, nullptr, nullptr};
    const RouteMatch match{&route, {{"id", "7"}}, {}, {}};
    const json event = authorizerEvent(spec, requestWith("Authorization: tok", ""), match,
                                       ApiContext{}, kArn, {"tok"});
    QCOMPARE(event,
             json({{"type", "TOKEN"}, {"authorizationToken", "tok"}, {"methodArn", kArn}}));
}

void TstAuthorizers::buildsRestRequestEvent() {
    AuthorizerSpec spec;
    spec.kind = Kind::Request;
    Route route{"GET", "/pets/{id}", "fn", RouteKind::RestEvent, nullptr, nullptr};
    const RouteMatch match{&route, {{"id", "7"}}, {}, {}};
    GatewayRequest request = requestWith("X-Token: t", "tenant=acme");
    request.body = "secret";
    const json event = authorizerEvent(spec, request, match, ApiContext{}, kArn, {"t", "acme"});
    QCOMPARE(event["type"], "REQUEST");
    QCOMPARE(event["methodArn"], kArn);
    QCOMPARE(event["resource"], "/pets/{id}");
    QCOMPARE(event["path"], "/pets/7");
    QCOMPARE(event["httpMethod"], "GET");
    QCOMPARE(event["headers"]["X-Token"], "t");
    QCOMPARE(event["queryStringParameters"]["tenant"], "acme");
    QCOMPARE(event["pathParameters"]["id"], "7");
    QCOMPARE(event["requestContext"]["stage"], "dev");
    QVERIFY(!event.contains("body"));
    QVERIFY(!event.contains("isBase64Encoded"));
    QVERIFY(!event.contains("version"));
}

void TstAuthorizers::buildsHttpApiRequestEvents() {
    AuthorizerSpec spec;
    spec.kind = Kind::Request;
    spec.httpApi = true;
    Route route{"GET", "/pets/{id}", "fn", RouteKind::HttpEvent, nullptr, nullptr};
    const RouteMatch match{&route, {{"id", "7"}}, {}, {}};
    GatewayRequest request = requestWith("X-Token: t", "tenant=acme");
    request.body = "secret";
    ApiContext api;
    api.stage = "$default";
    const std::string arn = methodArn("us-east-1", api, "GET", "/pets/7");

    const json v2 = authorizerEvent(spec, request, match, api, arn, {"t", "acme"});
    QCOMPARE(v2["version"], "2.0");
    QCOMPARE(v2["type"], "REQUEST");
    QCOMPARE(v2["routeArn"], arn);
    QCOMPARE(v2["identitySource"], json::array({"t", "acme"}));
    QCOMPARE(v2["routeKey"], "GET /pets/{id}");
    QCOMPARE(v2["rawQueryString"], "tenant=acme");
    QCOMPARE(v2["headers"]["x-token"], "t");
    QCOMPARE(v2["pathParameters"]["id"], "7");
    QVERIFY(!v2.contains("body"));
    QVERIFY(!v2.contains("methodArn"));

    spec.payloadVersion = "1.0";
    const json v1 = authorizerEvent(spec, request, match, api, arn, {"t", "acme"});
    QCOMPARE(v1["version"], "1.0");
    QCOMPARE(v1["type"], "REQUEST");
    QCOMPARE(v1["methodArn"], arn);
    QCOMPARE(v1["identitySource"], "t,acme");
    QCOMPARE(v1["authorizationToken"], "t,acme");
    QCOMPARE(v1["httpMethod"], "GET");
    QCOMPARE(v1["resource"], "/pets/{id}");
    QVERIFY(!v1.contains("body"));
    QVERIFY(!v1.contains("routeArn"));

    spec.kind = Kind::Jwt;
    QVERIFY(authorizerEvent(spec, request, match, api, arn, {"t"}).is_null());
}

void TstAuthorizers::evaluatesAnswers_data() {
    QTest::addColumn<QString>("authorizer"); // "rest", "http" (IAM answers), "simple"
    QTest::addColumn<bool>("functionError");
    QTest::addColumn<QString>("payload");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QString>("detail"); // Allow: the context as JSON; else part of the message

    const auto policy = [](const QString &statements, const QString &extra = {}) {
        return QString(R"({"principalId":"user-1",)"
                       R"("policyDocument":{"Version":"2012-10-17","Statement":%1}%2})")
            .arg(statements, extra);
    };
    const auto statement = [](const QString &effect, const QString &resource,
                              const QString &action = "\"execute-api:Invoke\"") {
        return QString(R"({"Effect":"%1","Action":%2,"Resource":%3})")
            .arg(effect, action, resource);
    };
    const QString arn = QString("\"%1\"").arg(kArn);
    const QString restAllowed = R"({"integrationLatency":0,"principalId":"user-1"})";

    QTest::newRow("allow for the exact ARN, context as strings")
        << "rest" << false
        << policy(statement("Allow", arn), R"(,"context":{"role":"admin","level":3,"beta":true})")
        << "Allow"
        << R"({"beta":"true","integrationLatency":0,"level":"3","principalId":"user-1","role":"admin"})";
    QTest::newRow("statement list and resource list")
        << "rest" << false
        << policy("[" + statement("Allow", QString(R"(["arn:aws:execute-api:x",%1])").arg(arn)) +
                  "]")
        << "Allow" << restAllowed;
    QTest::newRow("* wildcard across segments")
        << "rest" << false
        << policy(statement("Allow", R"("arn:aws:execute-api:us-east-1:*:nimbuslocal/dev/*")"))
        << "Allow" << restAllowed;
    QTest::newRow("? wildcard for one character")
        << "rest" << false
        << policy(statement(
               "Allow",
               R"("arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/GET/pets/?")"))
        << "Allow" << restAllowed;
    QTest::newRow("action wildcards")
        << "rest" << false
        << policy(statement("Allow", R"("*")", R"(["s3:GetObject","execute-api:*"])")) << "Allow"
        << restAllowed;
    QTest::newRow("explicit deny wins over allow")
        << "rest" << false
        << policy("[" + statement("Allow", R"("*")") + "," +
                  statement("Deny", R"("arn:aws:execute-api:*:*:*/dev/GET/pets/*")") + "]")
        << "Deny" << "explicitly denies";
    QTest::newRow("a deny for another resource does not matter")
        << "rest" << false
        << policy("[" + statement("Allow", arn) + "," +
                  statement("Deny", R"("arn:aws:execute-api:*:*:*/dev/POST/*")") + "]")
        << "Allow" << restAllowed;
    QTest::newRow("no statement allows this ARN")
        << "rest" << false
        << policy(statement(
               "Allow",
               R"("arn:aws:execute-api:us-east-1:000000000000:nimbuslocal/dev/POST/pets/7")"))
        << "Deny" << "no statement";
    QTest::newRow("another action")
        << "rest" << false << policy(statement("Allow", arn, R"("s3:GetObject")")) << "Deny"
        << "no statement";
    QTest::newRow("function raised Unauthorized")
        << "rest" << true << R"({"errorMessage":"Unauthorized","errorType":"Error"})"
        << "Unauthorized" << "Unauthorized";
    QTest::newRow("other function error")
        << "rest" << true << R"({"errorMessage":"boom","errorType":"Error"})" << "Error"
        << "boom";
    QTest::newRow("answer is not JSON")
        << "rest" << false << "nope" << "Error" << "not a JSON object";
    QTest::newRow("REST answer without principalId")
        << "rest" << false
        << R"({"policyDocument":{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}})"
        << "Error" << "principalId";
    QTest::newRow("no policy document")
        << "rest" << false << R"({"principalId":"u"})" << "Error" << "policyDocument";
    QTest::newRow("malformed Effect")
        << "rest" << false << policy(statement("Maybe", arn)) << "Error"
        << "Effect must be Allow or Deny";
    QTest::newRow("object in context")
        << "rest" << false << policy(statement("Allow", arn), R"(,"context":{"nested":{"a":1}})")
        << "Error" << "context value 'nested' is an object";
    QTest::newRow("list in context")
        << "rest" << false << policy(statement("Allow", arn), R"(,"context":{"roles":["a"]})")
        << "Error" << "context value 'roles' is an array";
    QTest::newRow("HTTP API policy: context under lambda, typed")
        << "http" << false << policy(statement("Allow", arn), R"(,"context":{"n":1,"s":"x"})")
        << "Allow" << R"({"lambda":{"n":1,"s":"x"}})";
    QTest::newRow("HTTP API policy without principalId")
        << "http" << false
        << R"({"policyDocument":{"Statement":[)"
           R"({"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}})"
        << "Allow" << R"({"lambda":{}})";
    QTest::newRow("simple response allows")
        << "simple" << false << R"({"isAuthorized":true,"context":{"user":"u","n":1}})"
        << "Allow" << R"({"lambda":{"n":1,"user":"u"}})";
    QTest::newRow("simple response denies")
        << "simple" << false << R"({"isAuthorized":false})" << "Deny" << "isAuthorized: false";
    QTest::newRow("simple response without isAuthorized")
        << "simple" << false << R"({"context":{}})" << "Error" << "boolean isAuthorized";
    QTest::newRow("simple response with a string isAuthorized")
        << "simple" << false << R"({"isAuthorized":"true"})" << "Error" << "boolean isAuthorized";
    QTest::newRow("simple response with an object in context")
        << "simple" << false << R"({"isAuthorized":true,"context":{"o":{}}})" << "Error"
        << "context value 'o'";
    QTest::newRow("simple response: Unauthorized error")
        << "simple" << true << R"({"errorMessage":"Unauthorized"})" << "Unauthorized" << "";
}

void TstAuthorizers::evaluatesAnswers() {
    QFETCH(QString, authorizer);
    QFETCH(bool, functionError);
    QFETCH(QString, payload);
    QFETCH(QString, outcome);
    QFETCH(QString, detail);
    AuthorizerSpec spec;
    spec.name = "auth";
    if (authorizer != "rest") {
        spec.kind = Kind::Request;
        spec.httpApi = true;
        spec.simpleResponses = authorizer == "simple";
    }
    const auto verdict =
        evaluateAuthorizerAnswer(spec, functionError, payload.toStdString(), kArn);
    QCOMPARE(QString(outcomeName(verdict.outcome)), outcome);
    if (outcome == "Allow") {
        QCOMPARE(QString::fromStdString(verdict.context.dump()), detail);
        if (authorizer == "rest")
            QCOMPARE(verdict.principalId, std::string("user-1"));
    } else {
        QVERIFY2(QString::fromStdString(verdict.message).contains(detail),
                 verdict.message.c_str());
    }
}

void TstAuthorizers::parsesKeySets_data() {
    QTest::addColumn<QString>("text");  // empty: a signing key and an encryption key
    QTest::addColumn<int>("keys");      // -1: refused
    QTest::addColumn<QString>("note");  // part of the error, or of the skipped list
    const QString offCurve = QString::fromStdString(base64Url(std::string(32, '\x01')));
    QTest::newRow("not JSON") << "{" << -1 << "not a JSON Web Key Set";
    QTest::newRow("keys is not a list") << R"({"keys":{}})" << -1 << "not a JSON Web Key Set";
    QTest::newRow("only a symmetric key")
        << R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})" << -1 << "kty 'oct' is not supported";
    QTest::newRow("EC point off the curve")
        << QString(R"({"keys":[{"kty":"EC","crv":"P-256","x":"%1","y":"%1"}]})").arg(offCurve)
        << -1 << "not a point of P-256";
    QTest::newRow("unsupported curve")
        << R"({"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}]})" << -1 << "curve 'P-521'";
    QTest::newRow("RSA key without e")
        << R"({"keys":[{"kty":"RSA","n":"AQAB"}]})" << -1 << "e is missing";
    QTest::newRow("encryption key is skipped, signing key kept") << "" << 1 << "use is 'enc'";
}

void TstAuthorizers::parsesKeySets() {
    QFETCH(QString, text);
    QFETCH(int, keys);
    QFETCH(QString, note);
    std::string input = text.toStdString();
    if (input.empty()) {
        json mixed = m_jwksJson;
        mixed["keys"] = json::array({m_jwksJson["keys"][0], m_jwksJson["keys"][0]});
        mixed["keys"][1]["use"] = "enc";
        mixed["keys"][1]["kid"] = "enc-1";
        input = mixed.dump();
    }
    std::string error;
    const auto jwks = parseJwks(input, error);
    if (keys < 0) {
        QVERIFY(!jwks);
        QVERIFY2(QString::fromStdString(error).contains(note), error.c_str());
        return;
    }
    QVERIFY2(jwks, error.c_str());
    QCOMPARE(static_cast<int>(jwks->keys.size()), keys);
    QCOMPARE(jwks->skipped.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(jwks->skipped[0]).contains(note), jwks->skipped[0].c_str());
    QVERIFY(jwks->find("rsa-1"));
    QVERIFY(!jwks->find("enc-1"));
}

void TstAuthorizers::findsDiscoveryDocument() {
    QCOMPARE(openIdConfigurationUrl("https://idp.example.com/"),
             std::string("https://idp.example.com/.well-known/openid-configuration"));
    QCOMPARE(openIdConfigurationUrl("https://cognito-idp.us-east-1.amazonaws.com/pool"),
             std::string("https://cognito-idp.us-east-1.amazonaws.com/pool/"
                         ".well-known/openid-configuration"));
    std::string error;
    QCOMPARE(jwksUriOf(R"({"issuer":"x","jwks_uri":"https://idp/keys"})", error).value_or(""),
             std::string("https://idp/keys"));
    QVERIFY(!jwksUriOf(R"({"issuer":"x"})", error));
    QVERIFY(QString::fromStdString(error).contains("jwks_uri"));
    QVERIFY(!jwksUriOf("not json", error));
}

void TstAuthorizers::verifiesJwts_data() {
    QTest::addColumn<QString>("key");     // rsa, other, ec256, ec384
    QTest::addColumn<QString>("header");  // JSON
    QTest::addColumn<QString>("patch");   // JSON merge patch on the standard claims
    QTest::addColumn<QString>("token");   // bearer/tamper/short: altered; other text: sent as is
    QTest::addColumn<QString>("scopes");  // the route's
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QString>("message"); // part of it
    const QString rs256 = R"({"alg":"RS256","kid":"rsa-1","typ":"JWT"})";
    const QString es256 = R"({"alg":"ES256","kid":"ec-1"})";
    const auto at = [](std::int64_t offset, const char *claim) {
        return QString(R"({"%1":%2})").arg(claim).arg(kNow + offset);
    };
    const auto row = [](const char *name) -> QTestData & { return QTest::newRow(name); };
    row("valid RS256") << "rsa" << rs256 << "{}" << "" << "" << "Allow" << "accepted";
    row("valid RS512") << "rsa" << R"({"alg":"RS512","kid":"rsa-1"})" << "{}" << "" << ""
                       << "Allow" << "accepted";
    row("valid ES256") << "ec256" << es256 << "{}" << "" << "" << "Allow" << "accepted";
    row("valid ES384") << "ec384" << R"({"alg":"ES384","kid":"ec-2"})" << "{}" << "" << ""
                       << "Allow" << "accepted";
    row("with the Bearer prefix")
        << "rsa" << rs256 << "{}" << "bearer" << "" << "Allow" << "accepted";
    row("one of several audiences")
        << "rsa" << rs256 << R"({"aud":["x","other-client"]})" << "" << "" << "Allow"
        << "accepted";
    row("expired") << "rsa" << rs256 << at(-1, "exp") << "" << "" << "Unauthorized"
                   << "expired at 2023-11-14T22:13:19Z (now 2023-11-14T22:13:20Z)";
    row("expiring this very second")
        << "rsa" << rs256 << at(0, "exp") << "" << "" << "Unauthorized" << "expired at";
    row("without exp") << "rsa" << rs256 << R"({"exp":null})" << "" << "" << "Unauthorized"
                       << "no numeric exp";
    row("not yet valid") << "rsa" << rs256 << at(30, "nbf") << "" << "" << "Unauthorized"
                         << "not valid before 2023-11-14T22:13:50Z";
    row("valid from this very second")
        << "rsa" << rs256 << at(0, "nbf") << "" << "" << "Allow" << "accepted";
    row("issued in the future")
        << "rsa" << rs256 << at(5, "iat") << "" << "" << "Unauthorized" << "issued in the future";
    row("wrong issuer") << "rsa" << rs256 << R"({"iss":"https://evil.example.com"})" << "" << ""
                        << "Unauthorized"
                        << "issuer 'https://evil.example.com' is not the authorizer's";
    row("wrong audience") << "rsa" << rs256 << R"({"aud":"someone-else"})" << "" << ""
                          << "Unauthorized" << "audience [someone-else] matches none";
    row("client_id when there is no aud")
        << "rsa" << rs256 << R"({"aud":null,"client_id":"app-client"})" << "" << "" << "Allow"
        << "accepted";
    row("client_id does not count when aud is there")
        << "rsa" << rs256 << R"({"aud":"someone-else","client_id":"app-client"})" << "" << ""
        << "Unauthorized" << "audience";
    row("wrong client_id") << "rsa" << rs256 << R"({"aud":null,"client_id":"x"})" << "" << ""
                           << "Unauthorized" << "client_id 'x'";
    row("neither aud nor client_id") << "rsa" << rs256 << R"({"aud":null})" << "" << ""
                                     << "Unauthorized" << "neither aud nor client_id";
    row("payload changed after signing") << "rsa" << rs256 << "{}" << "tamper" << ""
                                         << "Unauthorized" << "signature does not verify";
    row("signed by another key") << "other" << rs256 << "{}" << "" << "" << "Unauthorized"
                                 << "signature does not verify with key 'rsa-1'";
    row("ES256 signature of the wrong length")
        << "ec256" << es256 << "{}" << "short" << "" << "Unauthorized" << "signature";
    row("alg none") << "rsa" << R"({"alg":"none","kid":"rsa-1"})" << "{}" << "" << ""
                    << "Unauthorized" << "alg none";
    row("HS256") << "rsa" << R"({"alg":"HS256","kid":"rsa-1"})" << "{}" << "" << ""
                 << "Unauthorized" << "alg 'HS256' is not accepted";
    row("unknown kid") << "rsa" << R"({"alg":"RS256","kid":"nope"})" << "{}" << "" << ""
                       << "Unauthorized"
                       << "unknown kid 'nope' (the key set has [rsa-1, ec-1, ec-2])";
    row("no kid with several keys") << "rsa" << R"({"alg":"RS256"})" << "{}" << "" << ""
                                    << "Unauthorized" << "no kid";
    row("RS256 on an EC key") << "rsa" << R"({"alg":"RS256","kid":"ec-1"})" << "{}" << "" << ""
                              << "Unauthorized" << "cannot verify RS256";
    row("ES384 on a P-256 key") << "ec256" << R"({"alg":"ES384","kid":"ec-1"})" << "{}" << ""
                                << "" << "Unauthorized" << "cannot verify ES384";
    row("not a JWT") << "rsa" << rs256 << "{}" << "abc.def" << "" << "Unauthorized"
                     << "not a compact JWS";
    row("none of the route's scopes")
        << "rsa" << rs256 << "{}" << "" << "admin" << "Deny"
        << "scopes [read, profile] include none of the route's [admin]";
    row("one of the route's scopes")
        << "rsa" << rs256 << "{}" << "" << "admin,read" << "Allow" << "accepted";
    row("scopes from scp") << "rsa" << rs256 << R"({"scope":null,"scp":["admin"]})" << ""
                           << "admin" << "Allow" << "accepted";
    row("no scopes in the token") << "rsa" << rs256 << R"({"scope":null})" << "" << "read"
                                  << "Deny" << "include none";
}

void TstAuthorizers::verifiesJwts() {
    QFETCH(QString, key);
    QFETCH(QString, header);
    QFETCH(QString, patch);
    QFETCH(QString, token);
    QFETCH(QString, scopes);
    QFETCH(QString, outcome);
    QFETCH(QString, message);
    json claims = {{"iss", "https://issuer.example.com"},
                   {"aud", "app-client"},
                   {"sub", "user-1"},
                   {"exp", kNow + 600},
                   {"iat", kNow - 10},
                   {"nbf", kNow - 10},
                   {"scope", "read profile"}};
    claims.merge_patch(json::parse(patch.toStdString()));
    EVP_PKEY *signer = key == "rsa"     ? m_rsa
                       : key == "other" ? m_otherRsa
                       : key == "ec256" ? m_ec256
                                        : m_ec384;
    std::string sent = makeToken(signer, json::parse(header.toStdString()), claims);
    if (token == "bearer") {
        sent = "Bearer " + sent;
    } else if (token == "tamper") {
        json changed = claims;
        changed["sub"] = "admin";
        sent = sent.substr(0, sent.find('.') + 1) + base64Url(changed.dump()) +
               sent.substr(sent.rfind('.'));
    } else if (token == "short") {
        sent = sent.substr(0, sent.rfind('.') + 1) + base64Url(std::string(63, '\x01'));
    } else if (!token.isEmpty()) {
        sent = token.toStdString();
    }
    AuthorizerSpec spec;
    spec.kind = Kind::Jwt;
    spec.httpApi = true;
    spec.name = "jwtAuth";
    spec.issuer = "https://issuer.example.com";
    spec.audiences = {"app-client", "other-client"};
    spec.scopes = listOf(scopes);
    const auto verdict = verifyJwt(spec, sent, m_jwks, kNow);
    QVERIFY2(QString(outcomeName(verdict.outcome)) == outcome, verdict.message.c_str());
    QVERIFY2(QString::fromStdString(verdict.message).contains(message), verdict.message.c_str());
}

void TstAuthorizers::passesJwtClaimsOn() {
    const json claims = {{"iss", "https://issuer.example.com"},
                         {"aud", json::array({"app-client", "x"})},
                         {"sub", "user-1"},
                         {"exp", kNow + 600},
                         {"email_verified", true},
                         {"cognito:groups", json::array({"admin", "dev"})},
                         {"scope", "read write"}};
    const std::string token = makeToken(m_ec256, {{"alg", "ES256"}, {"kid", "ec-1"}}, claims);
    AuthorizerSpec spec;
    spec.kind = Kind::Jwt;
    spec.httpApi = true;
    spec.issuer = "https://issuer.example.com";
    spec.audiences = {"app-client"};

    auto verdict = verifyJwt(spec, token, m_jwks, kNow);
    QCOMPARE(QString(outcomeName(verdict.outcome)), QString("Allow"));
    QCOMPARE(verdict.principalId, std::string("user-1"));
    const json &jwt = verdict.context["jwt"];
    QCOMPARE(jwt["claims"]["exp"], std::to_string(kNow + 600));
    QCOMPARE(jwt["claims"]["aud"], "[app-client x]");
    QCOMPARE(jwt["claims"]["cognito:groups"], "[admin dev]");
    QCOMPARE(jwt["claims"]["email_verified"], "true");
    QCOMPARE(jwt["claims"]["scope"], "read write");
    QVERIFY(jwt["scopes"].is_null()); // the route asks for none

    spec.scopes = {"write"};
    verdict = verifyJwt(spec, token, m_jwks, kNow);
    QCOMPARE(verdict.context["jwt"]["scopes"], json::array({"read", "write"}));

    // With a single key, a token without kid uses it.
    std::string error;
    const auto single = parseJwks(json({{"keys", {m_jwksJson["keys"][1]}}}).dump(), error);
    QVERIFY2(single, error.c_str());
    const std::string noKid = makeToken(m_ec256, {{"alg", "ES256"}}, claims);
    QCOMPARE(QString(outcomeName(verifyJwt(spec, noKid, *single, kNow).outcome)),
             QString("Allow"));
}

QTEST_APPLESS_MAIN(TstAuthorizers)
#include "tst_authorizers.moc"
