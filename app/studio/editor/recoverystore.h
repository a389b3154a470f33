#pragma once

#include <QList>
#include <QString>

namespace nimbus::studio {

// Unsaved editor text kept on disk while it is unsaved, so a crash of the Studio loses
// nothing: written a moment after each change, removed on save or close, offered back when
// the project is opened again. One folder per project under the user's data folder.
class RecoveryStore {
public:
    struct Entry {
        QString path;
        QString text;
        qint64 savedAtMs = 0;
    };

    // `root` empty: the standard application data location.
    explicit RecoveryStore(const QString &projectDir, const QString &root = {});

    void write(const QString &path, const QString &text);
    void remove(const QString &path);
    QList<Entry> entries() const;
    void clear();
    QString folder() const { return m_folder; }

private:
    QString fileFor(const QString &path) const;
    QString m_folder;
};

} // namespace nimbus::studio
