#include "tempproject.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

TempProject::TempProject()
    : m_dir(QDir::tempPath() + "/nimbus-test-XXXXXX") {}

QString TempProject::write(const QString &relative, const QByteArray &contents) {
    const QString path = m_dir.filePath(relative);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(contents);
    return path;
}

QByteArray TempProject::read(const QString &relative) const {
    QFile file(m_dir.filePath(relative));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
