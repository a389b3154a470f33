#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkRequest>
#include <QPair>
#include <QString>
#include <QUrl>

namespace nimbus::studio {

// Where a control plane is and the keys it takes (a simulator's, from its sim.json).
struct ControlPlaneEndpoint {
    QUrl url;
    QString region = "us-east-1";
    QString accessKeyId;
    QString secretAccessKey;
};

// A QNetworkRequest for `method` on `path` (with `query`, already encoded) of the control
// plane, signed with Signature V4 for `service` as AWS clients sign (our sigv4 library).
QNetworkRequest signedRequest(const ControlPlaneEndpoint &endpoint, const QByteArray &method,
                              const QString &path, const QString &query, const QByteArray &body,
                              const QList<QPair<QByteArray, QByteArray>> &headers = {},
                              const QString &service = "lambda");

} // namespace nimbus::studio
