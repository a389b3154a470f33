#include "outlinepanel.h"

#include <QHeaderView>
#include <QJsonObject>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nimbus::studio {

OutlinePanel::OutlinePanel(QWidget *parent)
    : QWidget(parent) {
    setAccessibleName(tr("Outline"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree = new QTreeWidget(this);
    m_tree->setAccessibleName(tr("Outline tree"));
    m_tree->setHeaderHidden(true);
    m_tree->setUniformRowHeights(true);
    layout->addWidget(m_tree);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        emit openLocation(m_path, item->data(0, Qt::UserRole).toInt(),
                          item->data(0, Qt::UserRole + 1).toInt());
    });
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) {
        emit openLocation(m_path, item->data(0, Qt::UserRole).toInt(),
                          item->data(0, Qt::UserRole + 1).toInt());
    });
}

void OutlinePanel::setSymbols(const QString &path, const QJsonArray &symbols) {
    // Keep what the user expanded when the same document's symbols are refreshed.
    QSet<QString> collapsed;
    if (path == m_path)
        for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
            if ((*it)->childCount() && !(*it)->isExpanded())
                collapsed.insert((*it)->text(0));
    m_path = path;
    m_tree->clear();
    std::function<void(QTreeWidgetItem *, const QJsonArray &)> add = [&](QTreeWidgetItem *parent,
                                                                         const QJsonArray &list) {
        for (const auto &s : list) {
            const QJsonObject symbol = s.toObject();
            const QJsonObject start =
                symbol.value("selectionRange").toObject().value("start").toObject();
            QString text = symbol.value("name").toString();
            if (symbol.contains("detail") && !symbol.value("detail").toString().isEmpty())
                text += QStringLiteral("  — ") + symbol.value("detail").toString();
            auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
            item->setText(0, text);
            item->setData(0, Qt::UserRole, start.value("line").toInt());
            item->setData(0, Qt::UserRole + 1, start.value("character").toInt());
            add(item, symbol.value("children").toArray());
            item->setExpanded(!collapsed.contains(text));
        }
    };
    add(nullptr, symbols);
}

} // namespace nimbus::studio
