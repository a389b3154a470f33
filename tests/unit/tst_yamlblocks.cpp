#include "nimbus/manifest/yamlblocks.h"

#include <QtTest>
#include <algorithm>
#include <random>
#include <sstream>

using namespace nimbus::manifest;

namespace {

// Where two trees differ ("" when they are the same): kinds, styles, scalars, ranges,
// placeholders, entry order, all the way down.
std::string difference(const YamlNode &a, const YamlNode &b, const std::string &where) {
    auto at = [&](const std::string &what) { return (where.empty() ? "root" : where) + ": " + what; };
    auto position = [](SourceRange r) {
        std::ostringstream out;
        out << r.start.line << ':' << r.start.column << '-' << r.end.line << ':' << r.end.column;
        return out.str();
    };
    if (a.kind != b.kind)
        return at("kind differs");
    if (a.style != b.style)
        return at("style differs");
    if (a.scalar != b.scalar)
        return at("scalar '" + a.scalar + "' vs '" + b.scalar + "'");
    if (a.range != b.range)
        return at("range " + position(a.range) + " vs " + position(b.range));
    if (a.items.size() != b.items.size() || a.entries.size() != b.entries.size())
        return at("size differs");
    for (size_t i = 0; i < a.items.size(); ++i) {
        if (auto d = difference(a.items[i], b.items[i], where + "[" + std::to_string(i) + "]");
            !d.empty())
            return d;
    }
    for (size_t i = 0; i < a.entries.size(); ++i) {
        const std::string key = where + "." + a.entries[i].key.scalar;
        if (auto d = difference(a.entries[i].key, b.entries[i].key, key + "(key)"); !d.empty())
            return d;
        if (auto d = difference(a.entries[i].value, b.entries[i].value, key); !d.empty())
            return d;
    }
    return {};
}

std::vector<std::string> diagnosticLines(std::vector<Diagnostic> diagnostics) {
    std::vector<std::string> lines;
    for (const auto &d : diagnostics)
        lines.push_back(formatDiagnostic(d));
    std::sort(lines.begin(), lines.end());
    return lines;
}

// The block parser must give what parseYaml gives for the same text.
std::string mismatch(YamlBlockParser &parser, const std::string &text) {
    const YamlParseResult blocks = parser.parse(text, "serverless.yml");
    const YamlParseResult whole = parseYaml(text, "serverless.yml");
    if (blocks.ok != whole.ok || blocks.recovered != whole.recovered)
        return "ok/recovered differ";
    if (auto d = difference(blocks.root, whole.root, ""); !d.empty())
        return d;
    const auto a = diagnosticLines(blocks.diagnostics);
    const auto b = diagnosticLines(whole.diagnostics);
    if (a != b) {
        std::string out = "diagnostics differ:";
        for (const auto &l : a)
            out += "\n  blocks: " + l;
        for (const auto &l : b)
            out += "\n  whole:  " + l;
        return out;
    }
    return {};
}

// The benchmark's manifest: 500 functions of ten lines.
std::vector<std::string> generatedLines(int functions) {
    std::vector<std::string> lines{"service: generated",
                                   "frameworkVersion: \"3\"",
                                   "provider:",
                                   "  name: aws",
                                   "  runtime: python3.11",
                                   "  stage: dev",
                                   "  region: eu-west-1",
                                   "  memorySize: 256",
                                   "custom:",
                                   "  table: items-${self:provider.stage}",
                                   "functions:"};
    for (int i = 0; i < functions; ++i) {
        const std::string n = std::to_string(i);
        for (const std::string &line :
             {"  fn" + n + ":", "    handler: src/handlers.fn" + n,
              "    description: Function " + n + " of the generated service",
              std::string("    memorySize: 512"), std::string("    timeout: 10"),
              std::string("    environment:"), std::string("      TABLE: ${self:custom.table}"),
              std::string("    events:"), "      - httpApi: GET /items/" + n + "/{id}",
              std::string("      - schedule: rate(5 minutes)")})
            lines.push_back(line);
    }
    return lines;
}

std::string join(const std::vector<std::string> &lines) {
    std::string text;
    for (const auto &line : lines)
        text += line + "\n";
    return text;
}

// A manifest with what real ones have: comments everywhere, block scalars, flow
// collections, quoted keys and values, CloudFormation tags, nested resources, a list.
const char *kRich = R"yaml(# A service with a bit of everything
service: rich

provider:
  name: aws
  runtime: nodejs18.x
  # IAM for the table
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem, "dynamodb:PutItem"]
          Resource: !GetAtt Table.Arn
        - Effect: Allow
          Action: s3:*
          Resource: '*'
  environment:
    TABLE: !Ref Table
    MULTI: >
      folded text
      over lines

custom:
  'quoted key': value
  script: |
    cd build && make
    echo done

functions:
  first:
    handler: src/first.handler
    events:
      - http:
          path: /first
          method: get
  second:
    handler: src/second.handler # trailing comment
    timeout: 30
# a comment at column zero inside functions
  third:
    handler: src/third.handler
    environment: {A: 1, B: "two"}
    events:
      - schedule:
          rate: cron(0 12 * * ? *)
          input:
            key: value
  fourth:
    handler: src/fourth.handler
    description: "a description that
      continues on the next line"
  fifth:
    handler: src/fifth.handler
  sixth:
    handler: src/sixth.handler
  seventh:
    handler: src/seventh.handler

resources:
  Resources:
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: rich-table
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - AttributeName: id
            AttributeType: S
        KeySchema:
          - AttributeName: id
            KeyType: HASH
    Bucket:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: !Sub "${AWS::StackName}-bucket"
    Queue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: rich-queue
        VisibilityTimeout: 60
    Topic:
      Type: AWS::SNS::Topic
    Role:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Statement:
            - Effect: Allow
              Principal: {Service: lambda.amazonaws.com}
              Action: sts:AssumeRole
  Outputs:
    TableName:
      Value: !Ref Table
)yaml";

} // namespace

class TestYamlBlocks : public QObject {
    Q_OBJECT
private slots:
    void sameTreeAsParsingWhole_data();
    void sameTreeAsParsingWhole();
    void anEditReparsesOnlyItsBlock();
    void aSyntaxErrorIsReportedAsWhenParsedWhole();
    void randomEditsGiveTheSameTreeAsParsingWhole();
    void manifestsInTheTreeParseTheSame();
};

void TestYamlBlocks::sameTreeAsParsingWhole_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("whole"); // expected to need a whole parse

    QTest::newRow("rich manifest") << QString(kRich) << false;
    QTest::newRow("generated") << QString::fromStdString(join(generatedLines(60))) << false;
    QTest::newRow("no trailing newline") << "service: a\nprovider:\n  name: aws" << false;
    QTest::newRow("windows line ends") << "service: a\r\nprovider:\r\n  name: aws\r\n" << false;
    QTest::newRow("comment first") << "# hello\n\nservice: a\n" << false;
    QTest::newRow("duplicate top-level key across blocks")
        << "service: a\nprovider:\n  name: aws\nservice: b\n" << false;
    {
        auto lines = generatedLines(8);
        lines.push_back("  fn3:"); // a function defined twice, far apart
        lines.push_back("    handler: src/handlers.fn3");
        QTest::newRow("duplicate function across blocks")
            << QString::fromStdString(join(lines)) << false;
    }
    QTest::newRow("anchors and aliases")
        << "x: &defaults\n  memorySize: 128\nfunctions:\n  a:\n    <<: *defaults\n" << true;
    QTest::newRow("document marker") << "---\nservice: a\n" << true;
    QTest::newRow("two documents") << "service: a\n---\nservice: b\n" << true;
    QTest::newRow("tab indentation") << "service: a\nprovider:\n\tname: aws\n" << true;
    QTest::newRow("not a mapping") << "- a\n- b\n" << true;
    QTest::newRow("flow mapping root") << "{service: a}\n" << true;
    QTest::newRow("empty") << "" << true;
    QTest::newRow("comments only") << "# nothing\n" << true;
    QTest::newRow("unclosed bracket")
        << "service: a\nprovider:\n  name: [aws\nfunctions:\n  f:\n    handler: h.h\n" << true;
    QTest::newRow("unfinished key") << "service: a\nprovider:\n  name: aws\n  ti\n  stage: x\n"
                                    << true;
    QTest::newRow("quoted multi-line scalar crossing keys")
        << "service: 'a\nprovider: b'\nother: c\n" << true;
}

void TestYamlBlocks::sameTreeAsParsingWhole() {
    QFETCH(QString, text);
    QFETCH(bool, whole);
    YamlBlockParser parser;
    const std::string d = mismatch(parser, text.toStdString());
    QVERIFY2(d.empty(), d.c_str());
    QCOMPARE(parser.lastStats().whole, whole);
    // The second time, everything is remembered.
    QVERIFY2(mismatch(parser, text.toStdString()).empty(), "second parse differs");
    if (!whole)
        QCOMPARE(parser.lastStats().parsed, 0);
}

void TestYamlBlocks::anEditReparsesOnlyItsBlock() {
    auto lines = generatedLines(500);
    QCOMPARE(static_cast<int>(lines.size()), 5011);
    YamlBlockParser parser;
    QVERIFY(mismatch(parser, join(lines)).empty());
    QVERIFY(!parser.lastStats().whole);
    QVERIFY(parser.lastStats().blocks > 500);
    QCOMPARE(parser.lastStats().parsed, parser.lastStats().blocks);

    // memorySize of fn250 out of range and back, as the benchmark does.
    const size_t memoryLine = 11 + 250 * 10 + 3;
    QCOMPARE(lines[memoryLine], std::string("    memorySize: 512"));
    lines[memoryLine] = "    memorySize: 99999";
    QVERIFY(mismatch(parser, join(lines)).empty());
    QCOMPARE(parser.lastStats().parsed, 1);

    // A line added above moves every function below it; none is parsed again for that.
    lines.insert(lines.begin() + 5, "  stage: prod");
    lines.erase(lines.begin() + 6);
    lines.insert(lines.begin() + 1, "# a new comment");
    QVERIFY(mismatch(parser, join(lines)).empty());
    QVERIFY2(parser.lastStats().parsed <= 2, std::to_string(parser.lastStats().parsed).c_str());

    // A new function is one new block.
    lines.insert(lines.begin() + 12 + 100 * 10, {"  added:", "    handler: src/handlers.fn1"});
    QVERIFY(mismatch(parser, join(lines)).empty());
    QCOMPARE(parser.lastStats().parsed, 1);
}

void TestYamlBlocks::aSyntaxErrorIsReportedAsWhenParsedWhole() {
    auto lines = generatedLines(100);
    YamlBlockParser parser;
    QVERIFY(mismatch(parser, join(lines)).empty());
    // The issue's example: a key being typed inside a function.
    const size_t fn50 = 11 + 50 * 10;
    lines.insert(lines.begin() + static_cast<long>(fn50) + 2, "    ti");
    const std::string d = mismatch(parser, join(lines));
    QVERIFY2(d.empty(), d.c_str());
    QVERIFY(parser.lastStats().whole);
    const auto result = parser.parse(join(lines), "serverless.yml");
    QVERIFY(!result.diagnostics.empty());
    QCOMPARE(result.diagnostics.front().range.start.line, static_cast<int>(fn50) + 2);
    // Finished, the key is a block again.
    lines[fn50 + 2] = "    timeout: 3";
    lines.erase(lines.begin() + static_cast<long>(fn50) + 5); // the old timeout
    const std::string again = mismatch(parser, join(lines));
    QVERIFY2(again.empty(), again.c_str());
    QVERIFY(!parser.lastStats().whole);
}

// Edits of the kinds people make, at random places, each checked against a whole parse:
// whatever the edit does to the structure, the block parser must agree.
void TestYamlBlocks::randomEditsGiveTheSameTreeAsParsingWhole() {
    std::vector<std::string> base;
    {
        std::istringstream in(kRich);
        for (std::string line; std::getline(in, line);)
            base.push_back(line);
        for (auto &line : generatedLines(30))
            if (line.starts_with("    ") || line.starts_with("  fn"))
                base.push_back(line);
    }
    const std::vector<std::string> insertions{
        "  key: value", "    nested: 1",  "other: x",        "  - item",     "# comment",
        "",             "  broken: [a",   "  quote: 'open",  "    ti",       "fn: &a x",
        "  b: *a",      "\tname: tab",    "---",             "  'q': 1",     "functions:",
        "  fn0:",       "    handler: x", "  key: |",        "      text",   "  x: {a: 1,",
        "  ? complex",  "  : value",      "  dup: 1",        "  dup: 2",     "key:",
    };
    // Fixed, so every run makes the same edits; NIMBUS_YAML_SEED explores others.
    std::mt19937 random(qEnvironmentVariableIsSet("NIMBUS_YAML_SEED")
                            ? qEnvironmentVariableIntValue("NIMBUS_YAML_SEED")
                            : 20261126);
    YamlBlockParser parser;
    int whole = 0;
    std::vector<std::string> lines;
    const int rounds = qEnvironmentVariableIntValue("NIMBUS_YAML_ROUNDS") > 0 ? qEnvironmentVariableIntValue("NIMBUS_YAML_ROUNDS") : 400;
    for (int round = 0; round < rounds; ++round) {
        const auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
        // Mostly one to three edits of the clean text (the parser still remembers the
        // blocks of the round before); sometimes edits pile up.
        if (lines.empty() || pick(4) != 0)
            lines = base;
        for (size_t edits = 1 + pick(3); edits > 0; --edits) {
        const size_t at = pick(lines.size() + 1);
        switch (pick(5)) {
        case 0:
            lines.insert(lines.begin() + static_cast<long>(at), insertions[pick(insertions.size())]);
            break;
        case 1:
            if (at < lines.size())
                lines.erase(lines.begin() + static_cast<long>(at));
            break;
        case 2: // indent or outdent a line
            if (at < lines.size())
                lines[at] = pick(2) ? "  " + lines[at]
                                    : lines[at].substr(std::min({size_t{2}, lines[at].size(),
                                                                 lines[at].find_first_not_of(' ')}));
            break;
        case 3: // type or delete a character
            if (at < lines.size() && !lines[at].empty()) {
                const size_t c = pick(lines[at].size());
                if (pick(2))
                    lines[at].insert(c, 1, ":- x[\"'#"[pick(8)]);
                else
                    lines[at].erase(c, 1);
            }
            break;
        default: // undo some damage: restore a sane line
            if (at < lines.size())
                lines[at] = "  restored" + std::to_string(round) + ": 1";
            break;
        }
        }
        const std::string text = join(lines);
        const std::string d = mismatch(parser, text);
        if (!d.empty())
            QFAIL(("round " + std::to_string(round) + ": " + d + "\n--- text ---\n" + text).c_str());
        whole += parser.lastStats().whole ? 1 : 0;
    }
    // The test means something only if both paths were taken.
    QVERIFY2(whole > rounds / 20 && whole < rounds - rounds / 20, std::to_string(whole).c_str());
}

void TestYamlBlocks::manifestsInTheTreeParseTheSame() {
    const QString root = qEnvironmentVariable("NIMBUS_SOURCE_DIR");
    if (root.isEmpty())
        QSKIP("NIMBUS_SOURCE_DIR is not set");
    int count = 0;
    for (const char *folder : {"examples", "resources/templates", "bench", "tests/integration",
                               "tests/conformance/dap"}) {
        QDirIterator it(root + "/" + folder, {"*.yml", "*.yaml"}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (path.contains("node_modules"))
                continue;
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            YamlBlockParser parser;
            const std::string d = mismatch(parser, file.readAll().toStdString());
            QVERIFY2(d.empty(), (path.toStdString() + ": " + d).c_str());
            ++count;
        }
    }
    QVERIFY(count >= 10);
}

QTEST_GUILESS_MAIN(TestYamlBlocks)
#include "tst_yamlblocks.moc"
