#pragma once

#include "nimbus/jsonrpc/framing.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace nimbus::studio {

// Writes one LSP/DAP message to a server's stdin, Content-Length framed (libs/jsonrpc).
inline void writeFramedMessage(QProcess &process, const QJsonObject &message) {
    const QByteArray body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    const std::string framed = jsonrpc::frame(std::string_view(body.constData(), body.size()));
    process.write(framed.data(), static_cast<qint64>(framed.size()));
}

} // namespace nimbus::studio
