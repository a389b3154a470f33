#pragma once

#include <QString>
#include <QTemporaryDir>

// A project folder that exists for the life of a test: write files into it, point the
// code under test at path(), and it is removed afterwards.
class TempProject {
public:
    TempProject();

    bool isValid() const { return m_dir.isValid(); }
    QString path() const { return m_dir.path(); }
    QString filePath(const QString &relative) const { return m_dir.filePath(relative); }

    // Writes (creating folders as needed) and returns the absolute path.
    QString write(const QString &relative, const QByteArray &contents);
    QString writeManifest(const QByteArray &yaml) { return write("serverless.yml", yaml); }
    // A file's contents (empty when it does not exist).
    QByteArray read(const QString &relative) const;

private:
    QTemporaryDir m_dir;
};
