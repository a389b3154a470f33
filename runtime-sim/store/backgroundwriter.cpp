#include "backgroundwriter.h"

#include <boost/asio/post.hpp>
#include <future>

namespace nimbus::sim {

std::unique_ptr<BackgroundWriter> BackgroundWriter::open(const std::string &path,
                                                         std::string &error) {
    auto db = Database::open(path, error);
    if (!db)
        return nullptr;
    return std::unique_ptr<BackgroundWriter>(new BackgroundWriter(std::move(db)));
}

BackgroundWriter::~BackgroundWriter() {
    m_thread.join();
}

void BackgroundWriter::post(Job job) {
    boost::asio::post(m_thread, [this, job = std::move(job)] {
        try {
            job(*m_db);
        } catch (const std::exception &e) {
            ++m_failures;
            std::lock_guard lock(m_errorMutex);
            m_lastError = e.what();
        }
    });
}

void BackgroundWriter::sync() {
    std::promise<void> done;
    auto ran = done.get_future();
    boost::asio::post(m_thread, [&done] { done.set_value(); });
    ran.wait();
}

std::string BackgroundWriter::lastError() const {
    std::lock_guard lock(m_errorMutex);
    return m_lastError;
}

} // namespace nimbus::sim
