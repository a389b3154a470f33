#include "tempproject.h"

#include "projectfiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

TempProject::TempProject()
    : m_dir(QDir::tempPath() + "/nimbus-test-XXXXXX") {}

QString TempProject::write(const QString &relative, const QByteArray &contents) {
    writeFile(m_dir.path(), relative, contents);
    return m_dir.filePath(relative);
}

QByteArray TempProject::read(const QString &relative) const {
    QFile file(m_dir.filePath(relative));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
