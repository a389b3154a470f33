#pragma once

#include "nimbus/manifest/manifest.h"

#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// A notification a manifest's `s3` event configures: which bucket's changes invoke the
// function, for which event names and keys.
struct BucketNotification {
    std::string function; // manifest name
    std::string bucket;
    std::string event = "s3:ObjectCreated:*"; // the framework's default
    std::vector<std::string> prefixes;        // rules: [{prefix: ...}]
    std::vector<std::string> suffixes;        // rules: [{suffix: ...}]
    bool existing = false;
    std::string configurationId; // <deployed name>-s3-<n>, as the notification's id
    // An SCF cos trigger: the bucket is COS's NAME-APPID (the local S3's bucket of that
    // name), and the function gets COS's event, not S3's.
    struct Cos {
        std::string name;  // the bucket without -APPID
        std::string appId; // 1250000000
        std::string deployedName;
        std::string namespaceName = "default";
    };
    std::optional<Cos> cos;
};

// The notifications of a manifest's s3 events (a bucket that cannot be known locally is left
// out: validation reports it). A bucket named under provider.s3 takes the name given there.
// A Tencent project's enabled cos triggers are notifications too
// (bucket: NAME-APPID.cos.REGION.myqcloud.com, events: cos:ObjectCreated:*, filter).
std::vector<BucketNotification> bucketNotificationsOf(const manifest::Manifest &manifest);

// Whether a change (ObjectCreated:Put, ObjectRemoved:Delete, ...) to a key is one the
// notification is for.
bool matches(const BucketNotification &notification, const std::string &eventName,
             const std::string &key);

// What S3 sends the function: {"Records": [...]} in S3's notification event shape (the key
// URL-encoded, as S3 writes it); for a cos trigger, COS's event as SCF delivers it.
std::string s3EventPayload(const BucketNotification &notification, const std::string &eventName,
                           const std::string &key, long long size, const std::string &etag,
                           const std::string &sequencer, const std::string &requestId,
                           const std::string &region, long long timeMs);

} // namespace nimbus::sim
