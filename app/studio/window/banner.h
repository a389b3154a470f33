#pragma once

#include <QFrame>
#include <functional>

class QLabel;
class QHBoxLayout;

namespace nimbus::studio {

// A message across the top of an area that does not block: a server that died and was
// restarted, a file changed on disk, unsaved text to recover. Up to a few buttons, each
// running an action and closing the banner; hidden when empty.
class Banner : public QFrame {
    Q_OBJECT
public:
    enum class Tone { Info, Warning, Error };
    explicit Banner(const QString &name, QWidget *parent = nullptr);

    struct Button {
        QString text;
        std::function<void()> action;
    };
    void showMessage(const QString &text, Tone tone = Tone::Info,
                     const QList<Button> &buttons = {});
    QString text() const;
    void dismiss();

private:
    QLabel *m_label;
    QHBoxLayout *m_buttons;
};

} // namespace nimbus::studio
