#include "signedrequest.h"

#include "nimbus/sigv4/sigv4.h"

#include <chrono>

namespace nimbus::studio {

QNetworkRequest signedRequest(const ControlPlaneEndpoint &endpoint, const QByteArray &method,
                              const QString &path, const QString &query, const QByteArray &body,
                              const QList<QPair<QByteArray, QByteArray>> &headers,
                              const QString &service) {
    QUrl url = endpoint.url;
    url.setPath(path, QUrl::StrictMode);
    url.setQuery(query, QUrl::StrictMode);

    sigv4::Request request;
    request.method = method.toStdString();
    request.path = url.path(QUrl::FullyEncoded).toStdString();
    request.query = url.query(QUrl::FullyEncoded).toStdString();
    const QString host = url.host() + (url.port() > 0 ? ":" + QString::number(url.port()) : "");
    request.headers.emplace_back("host", host.toStdString());
    for (const auto &[name, value] : headers)
        request.headers.emplace_back(name.toLower().toStdString(), value.toStdString());
    request.body = body.toStdString();
    const sigv4::Credentials credentials{
        endpoint.accessKeyId.toStdString(), endpoint.secretAccessKey.toStdString(), {}};
    const sigv4::Scope scope{sigv4::amzDate(std::chrono::system_clock::now()),
                             endpoint.region.toStdString(), service.toStdString()};
    sigv4::sign(request, credentials, scope);

    QNetworkRequest out(url);
    for (const auto &[name, value] : request.headers) {
        if (name == "host")
            continue; // Qt writes Host itself, the same value
        out.setRawHeader(QByteArray::fromStdString(name), QByteArray::fromStdString(value));
    }
    return out;
}

} // namespace nimbus::studio
