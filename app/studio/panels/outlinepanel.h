#pragma once

#include <QJsonArray>
#include <QWidget>

class QTreeWidget;

namespace nimbus::studio {

// The Outline: the current manifest's document symbols (from nimbus-lsp) as a tree;
// activating one moves the cursor to it.
class OutlinePanel : public QWidget {
    Q_OBJECT
public:
    explicit OutlinePanel(QWidget *parent = nullptr);
    void setSymbols(const QString &path, const QJsonArray &symbols);
    QString path() const { return m_path; }
    QTreeWidget *tree() const { return m_tree; }

signals:
    void openLocation(const QString &path, int line, int column);

private:
    QTreeWidget *m_tree;
    QString m_path;
};

} // namespace nimbus::studio
