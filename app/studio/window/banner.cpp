#include "banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>

namespace nimbus::studio {

Banner::Banner(const QString &name, QWidget *parent)
    : QFrame(parent) {
    setObjectName("banner");
    setAccessibleName(name);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_label = new QLabel(this);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_label, 1);
    m_buttons = new QHBoxLayout();
    layout->addLayout(m_buttons);
    auto *close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAccessibleName(tr("Dismiss"));
    close->setToolTip(tr("Dismiss"));
    close->setAutoRaise(true);
    connect(close, &QToolButton::clicked, this, &Banner::dismiss);
    layout->addWidget(close);
    hide();
}

void Banner::showMessage(const QString &text, Tone tone, const QList<Button> &buttons) {
    const char *colours = tone == Tone::Error     ? "background:#fbe3e4; border:1px solid #e0a0a4;"
                          : tone == Tone::Warning ? "background:#fdf3d8; border:1px solid #e2c275;"
                                                  : "background:#e5effa; border:1px solid #9dbde3;";
    setStyleSheet(QStringLiteral("QFrame#banner { %1 border-radius: 3px; }").arg(colours));
    m_label->setText(text);
    while (QLayoutItem *item = m_buttons->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const auto &b : buttons) {
        auto *button = new QPushButton(b.text, this);
        button->setAccessibleName(b.text);
        auto action = b.action;
        connect(button, &QPushButton::clicked, this, [this, action] {
            dismiss();
            if (action)
                action();
        });
        m_buttons->addWidget(button);
    }
    show();
}

QString Banner::text() const {
    return isVisible() ? m_label->text() : QString();
}

void Banner::dismiss() {
    hide();
    m_label->clear();
}

} // namespace nimbus::studio
