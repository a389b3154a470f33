#pragma once

#include "nimbus/net/httpserver.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::sim::s3 {

// A path-style request's target: /BUCKET/KEY?subresources, decoded.
struct Target {
    std::string bucket;
    std::string key;
    std::multimap<std::string, std::string> query;

    bool has(const std::string &name) const { return query.count(name) > 0; }
    std::string param(const std::string &name) const {
        auto it = query.find(name);
        return it == query.end() ? std::string() : it->second;
    }
};
Target parseTarget(std::string_view target);

// An S3 error: status, code and message as S3 words them, and what it concerns.
struct Error {
    unsigned status = 400;
    std::string code;
    std::string message;
    std::vector<std::pair<std::string, std::string>> details; // <BucketName>b</BucketName>, ...
};
Error noSuchBucket(const std::string &bucket);
Error noSuchKey(const std::string &key);
Error noSuchUpload(const std::string &uploadId);
Error invalidArgument(const std::string &message);
Error notImplemented(const std::string &what);

// The XML error document (no body for HEAD, as S3 answers it).
net::Response errorResponse(const Error &error, const std::string &requestId, bool head);
// An XML answer.
net::Response xmlResponse(std::string xml, const std::string &requestId);

// A Range header against an object's size: the whole object, a part (first..last), or
// a range that cannot be satisfied (416).
enum class RangeKind { Whole, Part, Unsatisfiable };
RangeKind parseRange(std::string_view header, long long size, long long &first, long long &last);

// An aws-chunked body (Content-Encoding: aws-chunked; newer SDKs' uploads with checksums):
// the data without the chunk framing and trailers. Nullopt when the framing is broken.
std::optional<std::string> decodeAwsChunked(std::string_view body);

// The parts a CompleteMultipartUpload body lists (number, ETag), and the keys of a
// DeleteObjects body (with whether it is Quiet). Nullopt when the XML does not parse.
std::optional<std::vector<std::pair<int, std::string>>> completedParts(const std::string &xml);
std::optional<std::vector<std::string>> keysToDelete(const std::string &xml, bool &quiet);

// A key as ListObjects sends it with encoding-type=url.
std::string urlEncode(std::string_view text);

} // namespace nimbus::sim::s3
