#pragma once

#include <QLabel>
#include <QVBoxLayout>
#include <QWidget>

namespace nimbus::studio {

// A bold title over a view, as one widget (for a splitter's side): the title is the view's
// buddy, so its accessible relation and mnemonic point at the view.
inline QWidget *titledSection(const QString &title, QWidget *view, QWidget *parent,
                              int margin = 4) {
    auto *section = new QWidget(parent);
    auto *layout = new QVBoxLayout(section);
    layout->setContentsMargins(margin, margin, margin, 0);
    auto *label = new QLabel("<b>" + title.toHtmlEscaped() + "</b>", section);
    label->setBuddy(view);
    view->setParent(section);
    layout->addWidget(label);
    layout->addWidget(view, 1);
    return section;
}

} // namespace nimbus::studio
