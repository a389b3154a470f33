#include "recoverystore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace nimbus::studio {

namespace {

QString hashOf(const QString &text) {
    return QString::fromLatin1(
        QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

} // namespace

RecoveryStore::RecoveryStore(const QString &projectDir, const QString &root) {
    const QString base =
        root.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) : root;
    m_folder = base + "/recovery/" + hashOf(QDir(projectDir).absolutePath());
}

QString RecoveryStore::fileFor(const QString &path) const {
    return m_folder + "/" + hashOf(path) + ".json";
}

void RecoveryStore::write(const QString &path, const QString &text) {
    QDir().mkpath(m_folder);
    QSaveFile file(fileFor(path));
    if (!file.open(QIODevice::WriteOnly))
        return;
    file.write(QJsonDocument(QJsonObject{{"path", path},
                                         {"text", text},
                                         {"savedAt", QDateTime::currentMSecsSinceEpoch()}})
                   .toJson(QJsonDocument::Compact));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.commit();
}

void RecoveryStore::remove(const QString &path) {
    QFile::remove(fileFor(path));
}

QList<RecoveryStore::Entry> RecoveryStore::entries() const {
    QList<Entry> out;
    const QDir dir(m_folder);
    for (const QString &name : dir.entryList({"*.json"}, QDir::Files, QDir::Time)) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
        if (o.value("path").toString().isEmpty())
            continue;
        out.append({o.value("path").toString(), o.value("text").toString(),
                    o.value("savedAt").toInteger()});
    }
    return out;
}

void RecoveryStore::clear() {
    QDir(m_folder).removeRecursively();
}

} // namespace nimbus::studio
