#include "nimbus/sigv4/sigv4.h"

#include <QtTest>

using namespace nimbus::sigv4;

// AWS Signature Version 4 against AWS's published test suite (the requests and expected
// Authorization headers of the "aws-sig-v4-test-suite", credentials AKIDEXAMPLE, signed
// at 2015-08-30T12:36:00Z for us-east-1/service), then the verifier's verdicts.
class TestSigV4 : public QObject {
    Q_OBJECT
private slots:
    void testSuite_data();
    void testSuite();
    void verifierAcceptsWhatTheSignerSigns();
    void verifierRefuses_data();
    void verifierRefuses();
    void canonicalParts();
};

namespace {
const char *kKey = "AKIDEXAMPLE";
const char *kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const Scope kScope{"20150830T123600Z", "us-east-1", "service"};

std::chrono::system_clock::time_point signingTime() {
    return std::chrono::system_clock::from_time_t(1440938160); // 2015-08-30T12:36:00Z
}

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers baseHeaders(Headers extra = {}) {
    Headers h{{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
    h.insert(h.end(), extra.begin(), extra.end());
    return h;
}

std::string query(const std::vector<std::pair<std::string, std::string>> &pairs) {
    std::string out;
    for (const auto &[k, v] : pairs)
        out += (out.empty() ? "" : "&") + uriEncode(k) + "=" + uriEncode(v);
    return out;
}
} // namespace

Q_DECLARE_METATYPE(Request)

void TestSigV4::testSuite_data() {
    QTest::addColumn<Request>("request");
    QTest::addColumn<QString>("signedHeaders");
    QTest::addColumn<QString>("signature");
    auto row = [](const char *name, Request r, const char *signedHeaders, const char *sig) {
        QTest::newRow(name) << r << QString(signedHeaders) << QString(sig);
    };
    row("get-header-key-duplicate",
        {"GET", "/", "", baseHeaders({{"my-header1", "value2,value2,value1"}}), ""},
        "host;my-header1;x-amz-date",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
    row("get-header-value-multiline",
        {"GET", "/", "", baseHeaders({{"my-header1", "value1,value2,value3"}}), ""},
        "host;my-header1;x-amz-date",
        "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790");
    row("get-header-value-order",
        {"GET", "/", "", baseHeaders({{"my-header1", "value4,value1,value3,value2"}}), ""},
        "host;my-header1;x-amz-date",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
    row("get-header-value-trim",
        {"GET", "/", "", baseHeaders({{"my-header1", "value1"}, {"my-header2", "\"a   b   c\""}}),
         ""},
        "host;my-header1;my-header2;x-amz-date",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
    row("get-unreserved",
        {"GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "",
         baseHeaders(), ""},
        "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
    row("get-utf8", {"GET", "/\xe1\x88\xb4", "", baseHeaders(), ""}, "host;x-amz-date",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
    row("get-vanilla", {"GET", "/", "", baseHeaders(), ""}, "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    row("get-vanilla-empty-query-key",
        {"GET", "/", query({{"Param1", "value1"}}), baseHeaders(), ""}, "host;x-amz-date",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");
    row("get-vanilla-query-order-key-case",
        {"GET", "/", query({{"Param2", "value2"}, {"Param1", "value1"}}), baseHeaders(), ""},
        "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    const std::string unreserved =
        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    row("get-vanilla-query-unreserved",
        {"GET", "/", query({{unreserved, unreserved}}), baseHeaders(), ""}, "host;x-amz-date",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
    row("get-vanilla-utf8-query", {"GET", "/", query({{"\xe1\x88\xb4", "bar"}}), baseHeaders(), ""},
        "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
    row("post-header-key-sort", {"POST", "/", "", baseHeaders({{"my-header1", "value1"}}), ""},
        "host;my-header1;x-amz-date",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c");
    row("post-header-value-case", {"POST", "/", "", baseHeaders({{"my-header1", "VALUE1"}}), ""},
        "host;my-header1;x-amz-date",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d");
    row("post-vanilla", {"POST", "/", "", baseHeaders(), ""}, "host;x-amz-date",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    row("post-vanilla-query", {"POST", "/", query({{"Param1", "value1"}}), baseHeaders(), ""},
        "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
    row("post-vanilla-query-nonunreserved",
        {"POST", "/", query({{"@#$%^", ""}, {"+", "/,?><`\";:\\|][{}"}}), baseHeaders(), ""},
        "host;x-amz-date", "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e");
    row("post-vanilla-query-space", {"POST", "/", query({{"p", ""}}), baseHeaders(), ""},
        "host;x-amz-date", "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b");
    row("post-x-www-form-urlencoded",
        {"POST", "/", "", baseHeaders({{"content-type", "application/x-www-form-urlencoded"}}),
         "Param1=value1"},
        "content-type;host;x-amz-date",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    row("post-x-www-form-urlencoded-parameters",
        {"POST", "/", "",
         baseHeaders({{"content-type", "application/x-www-form-urlencoded; charset=utf8"}}),
         "Param1=value1"},
        "content-type;host;x-amz-date",
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe");
}

void TestSigV4::testSuite() {
    QFETCH(Request, request);
    QFETCH(QString, signedHeaders);
    QFETCH(QString, signature);
    // The signer signs every header the request has: the suite's list.
    Request signedRequest = request;
    sign(signedRequest, {kKey, kSecret, ""}, kScope);
    const std::string expected = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                 "service/aws4_request, SignedHeaders=" +
                                 signedHeaders.toStdString() +
                                 ", Signature=" + signature.toStdString();
    QCOMPARE(QString::fromStdString(signedRequest.headers.back().second),
             QString::fromStdString(expected));
    // And the verifier accepts the suite's own Authorization header.
    request.headers.emplace_back("Authorization", expected);
    const Verdict v = verify(
        request, "service",
        [](const std::string &key) -> std::optional<std::string> {
            return key == kKey ? std::optional<std::string>(kSecret) : std::nullopt;
        },
        signingTime());
    QVERIFY2(v.ok, v.message.c_str());
}

void TestSigV4::verifierAcceptsWhatTheSignerSigns() {
    Request r{
        "POST",
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A0%3Afunction%3Ahi/invocations",
        "Qualifier=%24LATEST",
        {{"Host", "127.0.0.1:9000"}, {"Content-Type", "application/json"}},
        R"({"a":1})"};
    const auto now = std::chrono::system_clock::now();
    sign(r, {"AKIDNIMBUS", "secret/with+chars", "session"}, {amzDate(now), "eu-west-1", "lambda"});
    const Verdict v =
        verify(r, "lambda", [](const std::string &) { return std::string("secret/with+chars"); });
    QVERIFY2(v.ok, v.message.c_str());
    QCOMPARE(v.accessKeyId, std::string("AKIDNIMBUS"));
}

void TestSigV4::verifierRefuses_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("errorType");
    QTest::addColumn<QString>("message");
    QTest::newRow("no Authorization") << "drop-auth"
                                      << "MissingAuthenticationTokenException"
                                      << "Missing Authentication Token";
    QTest::newRow("wrong secret") << "wrong-secret"
                                  << "InvalidSignatureException"
                                  << "does not match";
    QTest::newRow("unknown key") << "unknown-key"
                                 << "UnrecognizedClientException"
                                 << "unknown access key 'AKIDEXAMPLE'";
    QTest::newRow("body changed") << "body"
                                  << "InvalidSignatureException"
                                  << "does not match";
    QTest::newRow("too old") << "late"
                             << "InvalidSignatureException"
                             << "Signature expired";
    QTest::newRow("other service") << "service"
                                   << "InvalidSignatureException"
                                   << "scoped";
    QTest::newRow("an X-Amz header added after signing")
        << "unsigned-amz" << "InvalidSignatureException" << "'x-amz-invocation-type' must be signed";
    QTest::newRow("a signed header taken away")
        << "missing-signed" << "InvalidSignatureException"
        << "the signed header 'my-header' is not in the request";
    QTest::newRow("garbled header") << "garbled"
                                    << "IncompleteSignatureException"
                                    << "requires";
}

void TestSigV4::verifierRefuses() {
    QFETCH(QString, change);
    QFETCH(QString, errorType);
    QFETCH(QString, message);
    Request r{"POST", "/", "", baseHeaders({{"my-header", "v"}}), "body"};
    sign(r, {kKey, kSecret, ""}, kScope);
    auto now = signingTime();
    std::string service = "service";
    std::string secret = kSecret;
    bool known = true;
    if (change == "drop-auth")
        r.headers.pop_back();
    else if (change == "wrong-secret")
        secret = "another";
    else if (change == "unknown-key")
        known = false;
    else if (change == "body")
        r.body = "bodY";
    else if (change == "late")
        now += std::chrono::minutes(16);
    else if (change == "service")
        service = "lambda";
    else if (change == "unsigned-amz")
        r.headers.emplace_back("X-Amz-Invocation-Type", "DryRun");
    else if (change == "missing-signed")
        std::erase_if(r.headers, [](const auto &h) { return h.first == "my-header"; });
    else if (change == "garbled")
        r.headers.back().second = "AWS4-HMAC-SHA256 Credential=x";
    const Verdict v = verify(
        r, service,
        [&](const std::string &) {
            return known ? std::optional<std::string>(secret) : std::nullopt;
        },
        now);
    QVERIFY(!v.ok);
    QCOMPARE(QString::fromStdString(v.errorType), errorType);
    QVERIFY2(QString::fromStdString(v.message).contains(message), v.message.c_str());
}

void TestSigV4::canonicalParts() {
    // Dot segments resolve, the wire path is encoded again, the query is sorted and
    // re-encoded, header values are trimmed and joined.
    Request r{"GET",
              "/a/./b/../c%20d/",
              "b=2&a=%7e&a=1",
              {{"Host", " h "}, {"X-Twice", "1"}, {"x-twice", " 2  3 "}},
              ""};
    const std::string c = canonicalRequest(r, {"host", "x-twice"});
    QCOMPARE(QString::fromStdString(c),
             QString("GET\n/a/c%2520d/\na=1&a=~&b=2\nhost:h\nx-twice:1,2 3\n\nhost;x-twice\n"
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

QTEST_APPLESS_MAIN(TestSigV4)
#include "tst_sigv4.moc"
