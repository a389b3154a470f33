#include "s3protocol.h"

#include "../gateway/routetable.h"
#include "nimbus/net/textformat.h"
#include "nimbus/sigv4/sigv4.h"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <sstream>

namespace nimbus::sim::s3 {

namespace {

Error makeError(unsigned status, std::string code, std::string message) {
    Error e;
    e.status = status;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

// The first child element named `name` of a node, whatever namespace prefix it has.
const boost::property_tree::ptree *child(const boost::property_tree::ptree &node,
                                         const std::string &name) {
    for (const auto &[key, value] : node) {
        const auto colon = key.find(':');
        if (key == name || (colon != std::string::npos && key.substr(colon + 1) == name))
            return &value;
    }
    return nullptr;
}

std::optional<boost::property_tree::ptree> parseXml(const std::string &xml) {
    boost::property_tree::ptree tree;
    std::istringstream in(xml);
    try {
        boost::property_tree::read_xml(in, tree, boost::property_tree::xml_parser::trim_whitespace);
    } catch (const std::exception &) {
        return std::nullopt;
    }
    return tree;
}

bool isLocalName(const std::string &key, const std::string &name) {
    const auto colon = key.find(':');
    return key == name || (colon != std::string::npos && key.substr(colon + 1) == name);
}

} // namespace

Target parseTarget(std::string_view target) {
    Target out;
    const auto question = target.find('?');
    std::string_view path = target.substr(0, question);
    if (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    const auto slash = path.find('/');
    out.bucket = net::percentDecode(path.substr(0, slash));
    if (slash != std::string_view::npos)
        out.key = net::percentDecode(path.substr(slash + 1));
    if (question != std::string_view::npos) {
        std::string_view query = target.substr(question + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            const auto eq = pair.find('=');
            if (!pair.empty())
                out.query.emplace(net::percentDecode(pair.substr(0, eq), true),
                                  eq == std::string_view::npos
                                      ? std::string()
                                      : net::percentDecode(pair.substr(eq + 1), true));
            if (amp == std::string_view::npos)
                break;
            query.remove_prefix(amp + 1);
        }
    }
    return out;
}

Error noSuchBucket(const std::string &bucket) {
    Error e = makeError(404, "NoSuchBucket", "The specified bucket does not exist");
    e.details.emplace_back("BucketName", bucket);
    return e;
}
Error noSuchKey(const std::string &key) {
    Error e = makeError(404, "NoSuchKey", "The specified key does not exist.");
    e.details.emplace_back("Key", key);
    return e;
}
Error noSuchUpload(const std::string &uploadId) {
    Error e = makeError(404, "NoSuchUpload",
                        "The specified upload does not exist. The upload ID may be invalid, or "
                        "the upload may have been aborted or completed.");
    e.details.emplace_back("UploadId", uploadId);
    return e;
}
Error invalidArgument(const std::string &message) {
    return makeError(400, "InvalidArgument", message);
}
Error notImplemented(const std::string &what) {
    return makeError(501, "NotImplemented",
                     "A header or query you provided implies functionality that is not "
                     "implemented by the local S3: " + what);
}

net::Response errorResponse(const Error &error, const std::string &requestId, bool head) {
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                      net::xmlEscape(error.code) + "</Code><Message>" + net::xmlEscape(error.message) +
                      "</Message>";
    for (const auto &[name, value] : error.details)
        xml += "<" + name + ">" + net::xmlEscape(value) + "</" + name + ">";
    xml += "<RequestId>" + requestId + "</RequestId></Error>";
    auto response = net::makeResponse(error.status, head ? std::string() : xml, "application/xml");
    response.set("x-amz-request-id", requestId);
    return response;
}

net::Response xmlResponse(std::string xml, const std::string &requestId) {
    auto response = net::makeResponse(
        200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::move(xml), "application/xml");
    response.set("x-amz-request-id", requestId);
    return response;
}

RangeKind parseRange(std::string_view header, long long size, long long &first, long long &last) {
    // bytes=FIRST-LAST, bytes=FIRST-, bytes=-SUFFIX; several ranges are served whole, as S3
    // does.
    if (header.rfind("bytes=", 0) != 0 || header.find(',') != std::string_view::npos)
        return RangeKind::Whole;
    const std::string spec(header.substr(6));
    const auto dash = spec.find('-');
    if (dash == std::string::npos)
        return RangeKind::Whole;
    const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
    auto number = [](const std::string &text, long long &out) {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
            text.size() > 18)
            return false;
        out = std::stoll(text);
        return true;
    };
    long long x = 0, y = 0;
    if (a.empty()) {
        if (!number(b, y))
            return RangeKind::Whole;
        if (y == 0 || size == 0)
            return RangeKind::Unsatisfiable;
        first = std::max(0LL, size - y);
        last = size - 1;
        return RangeKind::Part;
    }
    if (!number(a, x))
        return RangeKind::Whole;
    if (b.empty()) {
        y = size - 1;
    } else if (!number(b, y) || y < x) {
        return RangeKind::Whole;
    }
    if (x >= size)
        return RangeKind::Unsatisfiable;
    first = x;
    last = std::min(y, size - 1);
    return RangeKind::Part;
}

std::optional<std::string> decodeAwsChunked(std::string_view body) {
    std::string out;
    std::size_t at = 0;
    while (true) {
        const auto eol = body.find("\r\n", at);
        if (eol == std::string_view::npos)
            return std::nullopt;
        // SIZE[;chunk-signature=...]
        const std::string_view line = body.substr(at, eol - at);
        const std::string hexSize(line.substr(0, line.find(';')));
        if (hexSize.empty() || hexSize.size() > 15 ||
            hexSize.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            return std::nullopt;
        const auto size = static_cast<std::size_t>(std::stoull(hexSize, nullptr, 16));
        at = eol + 2;
        if (size == 0)
            return out; // trailers (checksums) follow; the data is complete
        if (at + size > body.size())
            return std::nullopt;
        out.append(body.substr(at, size));
        at += size;
        if (body.substr(at, 2) != "\r\n")
            return std::nullopt;
        at += 2;
    }
}

std::optional<std::vector<std::pair<int, std::string>>> completedParts(const std::string &xml) {
    const auto tree = parseXml(xml);
    if (!tree)
        return std::nullopt;
    const auto *root = child(*tree, "CompleteMultipartUpload");
    if (!root)
        return std::nullopt;
    std::vector<std::pair<int, std::string>> parts;
    for (const auto &[key, part] : *root) {
        if (!isLocalName(key, "Part"))
            continue;
        const auto *number = child(part, "PartNumber");
        const auto *etag = child(part, "ETag");
        if (!number || !etag)
            return std::nullopt;
        try {
            parts.emplace_back(std::stoi(number->data()), etag->data());
        } catch (const std::exception &) {
            return std::nullopt;
        }
    }
    return parts;
}

std::optional<std::vector<std::string>> keysToDelete(const std::string &xml, bool &quiet) {
    const auto tree = parseXml(xml);
    if (!tree)
        return std::nullopt;
    const auto *root = child(*tree, "Delete");
    if (!root)
        return std::nullopt;
    quiet = false;
    if (const auto *q = child(*root, "Quiet"))
        quiet = q->data() == "true";
    std::vector<std::string> keys;
    for (const auto &[name, object] : *root) {
        if (!isLocalName(name, "Object"))
            continue;
        const auto *key = child(object, "Key");
        if (!key)
            return std::nullopt;
        keys.push_back(key->data());
    }
    return keys;
}

std::string urlEncode(std::string_view text) {
    return sigv4::uriEncode(text, true);
}

} // namespace nimbus::sim::s3
