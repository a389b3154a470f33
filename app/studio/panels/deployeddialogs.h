#pragma once

#include "clients/connectionprofiles.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;

namespace nimbus::studio {

// Asks before a deploy: where to, which stage, all functions or one; warns when the working
// tree has uncommitted changes (the deploy then records a dirty commit).
class DeployDialog : public QDialog {
    Q_OBJECT
public:
    struct Tree {
        bool repository = false;
        QString commit;
        QString branch;
        bool dirty = false;
    };
    DeployDialog(const QString &endpointName, const QStringList &functions, const QString &stage,
                 const QString &function, const Tree &tree, QWidget *parent = nullptr);
    QString stage() const;
    QString function() const; // empty: all
    QLineEdit *stageEdit() const { return m_stage; }
    QComboBox *scopeCombo() const { return m_scope; }
    QLabel *warning() const { return m_warning; }
    QPushButton *deployButton() const { return m_deploy; }

private:
    QLineEdit *m_stage;
    QComboBox *m_scope;
    QLabel *m_warning;
    QPushButton *m_deploy;
};

// Creates or edits an alias: its version, and the share of traffic another version gets,
// by slider or spin box ("90% v3 / 10% v4"); optionally reached in steps.
class AliasDialog : public QDialog {
    Q_OBJECT
public:
    struct Choice {
        QString name;
        QString description;
        QString version;
        QString secondVersion; // empty: no split
        int percent = 0;       // of traffic to secondVersion
        bool gradual = false;
        int stepPercent = 10;
        int intervalSeconds = 60;
    };
    // `versions`: the published version numbers (newest last); `current` an alias to edit.
    AliasDialog(const QString &function, const QStringList &versions, const Choice *current,
                QWidget *parent = nullptr);
    Choice choice() const;

    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *versionCombo() const { return m_version; }
    QCheckBox *splitCheck() const { return m_split; }
    QComboBox *secondVersionCombo() const { return m_second; }
    QSlider *slider() const { return m_slider; }
    QSpinBox *percentSpin() const { return m_percent; }
    QCheckBox *gradualCheck() const { return m_gradual; }
    QSpinBox *stepSpin() const { return m_step; }
    QSpinBox *intervalSpin() const { return m_interval; }
    QLabel *splitLabel() const { return m_summary; }
    QPushButton *okButton() const { return m_ok; }

private:
    void update();

    QLineEdit *m_name;
    QLineEdit *m_description;
    QComboBox *m_version;
    QCheckBox *m_split;
    QComboBox *m_second;
    QSlider *m_slider;
    QSpinBox *m_percent;
    QCheckBox *m_gradual;
    QSpinBox *m_step;
    QSpinBox *m_interval;
    QLabel *m_summary;
    QPushButton *m_ok;
};

// A new connection profile: a name, an endpoint URL, an AWS profile and a region. Secrets
// are not asked for: they stay in the AWS files (or the environment).
class ConnectionDialog : public QDialog {
    Q_OBJECT
public:
    explicit ConnectionDialog(QWidget *parent = nullptr);
    ConnectionProfile profile() const;
    QLineEdit *nameEdit() const { return m_name; }
    QLineEdit *endpointEdit() const { return m_endpoint; }
    QComboBox *awsProfileCombo() const { return m_awsProfile; }
    QLineEdit *regionEdit() const { return m_region; }

private:
    QLineEdit *m_name;
    QLineEdit *m_endpoint;
    QComboBox *m_awsProfile;
    QLineEdit *m_region;
    QPushButton *m_ok;
};

} // namespace nimbus::studio
