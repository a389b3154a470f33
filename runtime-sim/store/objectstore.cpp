#include "objectstore.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

namespace fs = std::filesystem;

namespace nimbus::sim {

namespace {

std::string newFileName() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 32; ++i)
        out.push_back(digits[generator() & 0xF]);
    return out;
}

ObjectRecord readObject(Statement &row) {
    ObjectRecord o;
    o.bucket = row.text(0);
    o.key = row.text(1);
    o.file = row.text(2);
    o.size = row.integer(3);
    o.etag = row.text(4);
    o.contentType = row.text(5);
    o.metadata = row.text(6);
    o.modifiedMs = row.integer(7);
    return o;
}

constexpr const char *kObjectColumns =
    "bucket, key, file, size, etag, content_type, metadata, modified_ms";

} // namespace

ObjectStore::ObjectStore(Database &db, std::string folder)
    : m_db(db)
    , m_folder(std::move(folder)) {}

void ObjectStore::migrate() {
    std::error_code ec;
    fs::create_directories(m_folder, ec);
    if (ec)
        throw StoreError("cannot create " + m_folder + ": " + ec.message());
    m_db.exec(R"(
CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    file TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (bucket, key));
CREATE TABLE IF NOT EXISTS s3_uploads (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS s3_parts (
    upload TEXT NOT NULL,
    number INTEGER NOT NULL,
    file TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    PRIMARY KEY (upload, number));
)");
}

std::optional<BucketRecord> ObjectStore::bucket(const std::string &name) {
    Statement row = m_db.prepare("SELECT name, region, created_ms FROM s3_buckets WHERE name = ?");
    row.bind(1, name);
    if (!row.step())
        return std::nullopt;
    return BucketRecord{row.text(0), row.text(1), row.integer(2)};
}

std::vector<BucketRecord> ObjectStore::buckets() {
    Statement row = m_db.prepare("SELECT name, region, created_ms FROM s3_buckets ORDER BY name");
    std::vector<BucketRecord> out;
    while (row.step())
        out.push_back({row.text(0), row.text(1), row.integer(2)});
    return out;
}

void ObjectStore::putBucket(const BucketRecord &b) {
    m_db.prepare("INSERT OR REPLACE INTO s3_buckets (name, region, created_ms) VALUES (?, ?, ?)")
        .bind(1, b.name)
        .bind(2, b.region)
        .bind(3, b.createdMs)
        .run();
}

void ObjectStore::deleteBucket(const std::string &name) {
    for (const auto &upload : uploads(name))
        deleteUpload(upload.id);
    m_db.prepare("DELETE FROM s3_buckets WHERE name = ?").bind(1, name).run();
}

ObjectStore::Usage ObjectStore::usage(const std::string &bucket) {
    Statement row = m_db.prepare("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM s3_objects WHERE bucket = ?");
    row.bind(1, bucket);
    Usage u;
    if (row.step()) {
        u.objects = row.integer(0);
        u.bytes = row.integer(1);
    }
    return u;
}

bool ObjectStore::bucketEmpty(const std::string &name) {
    Statement row = m_db.prepare("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1");
    row.bind(1, name);
    return !row.step();
}

std::string ObjectStore::path(const std::string &file) const {
    return (fs::path(m_folder) / file).string();
}

// A new file of the folder, written by `fill` to NAME.part and renamed into place, so that
// no record ever names a file cut short. Returns its name.
template <typename Fill> std::string ObjectStore::newFile(Fill fill) {
    const std::string name = newFileName();
    const std::string target = path(name);
    {
        std::ofstream out(target + ".part", std::ios::binary | std::ios::trunc);
        fill(out);
        out.close();
        if (!out)
            throw StoreError("cannot write " + target + " (is the disk full?)");
    }
    std::error_code ec;
    fs::rename(target + ".part", target, ec);
    if (ec)
        throw StoreError("cannot write " + target + ": " + ec.message());
    return name;
}

std::string ObjectStore::writeFile(std::string_view data) {
    return newFile([&](std::ofstream &out) {
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
    });
}

std::string ObjectStore::joinFiles(const std::vector<std::string> &files) {
    return newFile([&](std::ofstream &out) {
        for (const auto &file : files) {
            std::ifstream in(path(file), std::ios::binary);
            if (!in)
                throw StoreError("a part's file is missing: " + path(file));
            out << in.rdbuf();
        }
    });
}

void ObjectStore::removeFile(const std::string &file) {
    std::error_code ec;
    fs::remove(path(file), ec);
}

std::optional<ObjectRecord> ObjectStore::object(const std::string &bucket, const std::string &key) {
    Statement row = m_db.prepare(std::string("SELECT ") + kObjectColumns +
                                 " FROM s3_objects WHERE bucket = ? AND key = ?");
    row.bind(1, bucket).bind(2, key);
    if (!row.step())
        return std::nullopt;
    return readObject(row);
}

void ObjectStore::putObject(const ObjectRecord &o) {
    const auto previous = object(o.bucket, o.key);
    m_db.prepare(std::string("INSERT OR REPLACE INTO s3_objects (") + kObjectColumns +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, o.bucket)
        .bind(2, o.key)
        .bind(3, o.file)
        .bind(4, o.size)
        .bind(5, o.etag)
        .bind(6, o.contentType)
        .bind(7, o.metadata)
        .bind(8, o.modifiedMs)
        .run();
    if (previous && previous->file != o.file)
        removeFile(previous->file);
}

bool ObjectStore::deleteObject(const std::string &bucket, const std::string &key) {
    const auto previous = object(bucket, key);
    if (!previous)
        return false;
    m_db.prepare("DELETE FROM s3_objects WHERE bucket = ? AND key = ?").bind(1, bucket).bind(2, key).run();
    removeFile(previous->file);
    return true;
}

std::vector<ObjectRecord> ObjectStore::objects(const std::string &bucket, const std::string &prefix,
                                               const std::string &after, int limit) {
    // Keys from max(prefix, after) on, while they still start with the prefix.
    Statement row = m_db.prepare(std::string("SELECT ") + kObjectColumns +
                                 " FROM s3_objects WHERE bucket = ? AND key > ? AND key >= ? "
                                 "AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?");
    row.bind(1, bucket)
        .bind(2, after)
        .bind(3, prefix)
        .bind(4, static_cast<long long>(prefix.size()))
        .bind(5, prefix)
        .bind(6, static_cast<long long>(limit));
    std::vector<ObjectRecord> out;
    while (row.step())
        out.push_back(readObject(row));
    return out;
}

void ObjectStore::putUpload(const UploadRecord &u) {
    m_db.prepare("INSERT OR REPLACE INTO s3_uploads (id, bucket, key, content_type, metadata, "
                 "created_ms) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, u.id)
        .bind(2, u.bucket)
        .bind(3, u.key)
        .bind(4, u.contentType)
        .bind(5, u.metadata)
        .bind(6, u.createdMs)
        .run();
}

std::optional<UploadRecord> ObjectStore::upload(const std::string &id) {
    Statement row = m_db.prepare("SELECT id, bucket, key, content_type, metadata, created_ms FROM "
                                 "s3_uploads WHERE id = ?");
    row.bind(1, id);
    if (!row.step())
        return std::nullopt;
    return UploadRecord{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5)};
}

std::vector<UploadRecord> ObjectStore::uploads(const std::string &bucket) {
    Statement row = m_db.prepare("SELECT id, bucket, key, content_type, metadata, created_ms FROM "
                                 "s3_uploads WHERE bucket = ? ORDER BY key, created_ms");
    row.bind(1, bucket);
    std::vector<UploadRecord> out;
    while (row.step())
        out.push_back({row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5)});
    return out;
}

void ObjectStore::putPart(const std::string &upload, const PartRecord &part) {
    Statement old = m_db.prepare("SELECT file FROM s3_parts WHERE upload = ? AND number = ?");
    old.bind(1, upload).bind(2, static_cast<long long>(part.number));
    const std::string previous = old.step() ? old.text(0) : std::string();
    m_db.prepare("INSERT OR REPLACE INTO s3_parts (upload, number, file, size, etag) VALUES (?, "
                 "?, ?, ?, ?)")
        .bind(1, upload)
        .bind(2, static_cast<long long>(part.number))
        .bind(3, part.file)
        .bind(4, part.size)
        .bind(5, part.etag)
        .run();
    if (!previous.empty() && previous != part.file)
        removeFile(previous);
}

std::vector<PartRecord> ObjectStore::parts(const std::string &upload) {
    Statement row = m_db.prepare(
        "SELECT number, file, size, etag FROM s3_parts WHERE upload = ? ORDER BY number");
    row.bind(1, upload);
    std::vector<PartRecord> out;
    while (row.step())
        out.push_back({static_cast<int>(row.integer(0)), row.text(1), row.integer(2), row.text(3)});
    return out;
}

void ObjectStore::deleteUpload(const std::string &id) {
    const auto files = parts(id);
    m_db.prepare("DELETE FROM s3_parts WHERE upload = ?").bind(1, id).run();
    m_db.prepare("DELETE FROM s3_uploads WHERE id = ?").bind(1, id).run();
    for (const auto &part : files)
        removeFile(part.file);
}

std::size_t ObjectStore::sweep() {
    std::set<std::string> named;
    Statement objects = m_db.prepare("SELECT file FROM s3_objects");
    while (objects.step())
        named.insert(objects.text(0));
    Statement parts = m_db.prepare("SELECT file FROM s3_parts");
    while (parts.step())
        named.insert(parts.text(0));
    std::size_t removed = 0;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(m_folder, ec)) {
        if (named.count(entry.path().filename().string()))
            continue;
        std::error_code ignored;
        if (fs::remove(entry.path(), ignored))
            ++removed;
    }
    return removed;
}

} // namespace nimbus::sim
