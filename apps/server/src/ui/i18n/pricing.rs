//! Strings of the pricing screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[
    (
        "pricing.title",
        [
            "Plans & pricing",
            "Pläne & Preise",
            "Offres et tarifs",
            "Gói & bảng giá",
        ],
    ),
    (
        "pricing.lead",
        [
            "Compare what each plan includes. Upgrades apply at once; downgrades at the end of your billing period.",
            "Vergleichen Sie, was jeder Plan enthält. Upgrades gelten sofort, Downgrades zum Ende des Abrechnungszeitraums.",
            "Comparez ce que comprend chaque offre. Une montée en gamme s’applique aussitôt, une baisse à la fin de la période de facturation.",
            "So sánh những gì mỗi gói bao gồm. Nâng cấp có hiệu lực ngay; hạ cấp có hiệu lực vào cuối kỳ thanh toán.",
        ],
    ),
    (
        "pricing.interval_label",
        [
            "Billing interval",
            "Abrechnungsintervall",
            "Périodicité de facturation",
            "Chu kỳ thanh toán",
        ],
    ),
    (
        "pricing.currency_label",
        ["Currency", "Währung", "Devise", "Tiền tệ"],
    ),
    (
        "pricing.caption",
        [
            "Plans compared by feature",
            "Pläne im Vergleich nach Funktion",
            "Comparaison des offres par fonctionnalité",
            "So sánh các gói theo tính năng",
        ],
    ),
    (
        "pricing.current",
        [
            "Current plan",
            "Aktueller Plan",
            "Offre actuelle",
            "Gói hiện tại",
        ],
    ),
    ("pricing.price_row", ["Price", "Preis", "Prix", "Giá"]),
    ("pricing.free", ["Free", "Kostenlos", "Gratuit", "Miễn phí"]),
    (
        "pricing.custom",
        ["Custom", "Individuell", "Sur mesure", "Tùy chỉnh"],
    ),
    (
        "pricing.get_started",
        ["Get started", "Loslegen", "Commencer", "Bắt đầu"],
    ),
    (
        "pricing.contact",
        [
            "Talk to us for a quote.",
            "Sprechen Sie uns für ein Angebot an.",
            "Contactez-nous pour un devis.",
            "Liên hệ với chúng tôi để nhận báo giá.",
        ],
    ),
    (
        "pricing.start.title",
        [
            "How to get started",
            "So fangen Sie an",
            "Comment commencer",
            "Cách bắt đầu",
        ],
    ),
    (
        "pricing.start.text",
        [
            "Plans are chosen from inside the product you use: open its billing or plan settings, which signs you in here with a secure link. Then pick a plan on this page.",
            "Pläne werden im Produkt gewählt, das Sie nutzen: Öffnen Sie dort die Abrechnungs- oder Planeinstellungen – ein sicherer Link meldet Sie hier an. Dann wählen Sie auf dieser Seite einen Plan.",
            "Les offres se choisissent depuis le produit que vous utilisez : ouvrez ses réglages de facturation ou d’offre, un lien sécurisé vous connecte ici. Choisissez ensuite une offre sur cette page.",
            "Gói được chọn từ bên trong sản phẩm bạn đang dùng: mở phần cài đặt thanh toán hoặc gói của sản phẩm, một liên kết bảo mật sẽ đăng nhập bạn tại đây. Sau đó chọn gói trên trang này.",
        ],
    ),
    (
        "pricing.start.demo",
        [
            "Try the demo workspace",
            "Demo-Arbeitsbereich ausprobieren",
            "Essayer l’espace de démonstration",
            "Dùng thử không gian demo",
        ],
    ),
    (
        "pricing.kind.boolean",
        ["On or off", "An oder aus", "Activé ou non", "Bật hoặc tắt"],
    ),
    (
        "pricing.kind.metered",
        [
            "Usage counted per period",
            "Nutzung, pro Zeitraum gezählt",
            "Utilisation comptée par période",
            "Mức dùng được đếm theo kỳ",
        ],
    ),
    (
        "pricing.kind.gauge",
        [
            "Current level in use",
            "Aktuell genutzte Menge",
            "Niveau actuellement utilisé",
            "Mức đang sử dụng",
        ],
    ),
    (
        "pricing.kind.concurrency",
        [
            "Running at the same time",
            "Gleichzeitig laufend",
            "En cours en même temps",
            "Chạy cùng lúc",
        ],
    ),
    (
        "pricing.kind.per_request",
        [
            "Cap on a single request",
            "Obergrenze pro Anfrage",
            "Plafond par requête",
            "Giới hạn cho mỗi yêu cầu",
        ],
    ),
    (
        "pricing.kind.config",
        [
            "A setting",
            "Eine Einstellung",
            "Un paramètre",
            "Một thiết lập",
        ],
    ),
    (
        "pricing.kind.with_unit",
        [
            "{0} · unit: {1}",
            "{0} · Einheit: {1}",
            "{0} · unité : {1}",
            "{0} · đơn vị: {1}",
        ],
    ),
    (
        "pricing.window.day",
        ["{0} / day", "{0} / Tag", "{0} / jour", "{0} / ngày"],
    ),
    (
        "pricing.window.week",
        ["{0} / week", "{0} / Woche", "{0} / semaine", "{0} / tuần"],
    ),
    (
        "pricing.window.month",
        ["{0} / month", "{0} / Monat", "{0} / mois", "{0} / tháng"],
    ),
    (
        "pricing.window.billing_cycle",
        [
            "{0} / billing period",
            "{0} / Abrechnungszeitraum",
            "{0} / période de facturation",
            "{0} / kỳ thanh toán",
        ],
    ),
    (
        "pricing.window.lifetime",
        [
            "{0} in total",
            "{0} insgesamt",
            "{0} au total",
            "Tổng cộng {0}",
        ],
    ),
    (
        "pricing.concurrency",
        [
            "{0} at a time",
            "{0} gleichzeitig",
            "{0} à la fois",
            "{0} cùng lúc",
        ],
    ),
    (
        "pricing.overage",
        [
            "then {0} each above the limit",
            "danach {0} je Einheit über dem Limit",
            "puis {0} par unité au-delà de la limite",
            "sau đó {0} cho mỗi đơn vị vượt hạn mức",
        ],
    ),
    (
        "pricing.soft_limit",
        [
            "soft limit: usage above it is allowed",
            "weiches Limit: Nutzung darüber ist erlaubt",
            "limite souple : le dépassement est permis",
            "hạn mức mềm: được phép dùng vượt",
        ],
    ),
    (
        "pricing.value.forever",
        ["Forever", "Unbegrenzt lange", "Pour toujours", "Vĩnh viễn"],
    ),
    (
        "pricing.unit.day",
        ["{0} day", "{0} Tag", "{0} jour", "{0} ngày"],
    ),
    (
        "pricing.unit.days",
        ["{0} days", "{0} Tage", "{0} jours", "{0} ngày"],
    ),
    (
        "pricing.unit.month",
        ["{0} month", "{0} Monat", "{0} mois", "{0} tháng"],
    ),
    (
        "pricing.unit.months",
        ["{0} months", "{0} Monate", "{0} mois", "{0} tháng"],
    ),
    (
        "pricing.unit.year",
        ["{0} year", "{0} Jahr", "{0} an", "{0} năm"],
    ),
    (
        "pricing.unit.years",
        ["{0} years", "{0} Jahre", "{0} ans", "{0} năm"],
    ),
    (
        "pricing.unit.hour",
        ["{0} hour", "{0} Stunde", "{0} heure", "{0} giờ"],
    ),
    (
        "pricing.unit.hours",
        ["{0} hours", "{0} Stunden", "{0} heures", "{0} giờ"],
    ),
    (
        "pricing.unavailable.monthly",
        [
            "Not available with monthly billing",
            "Nicht mit monatlicher Abrechnung erhältlich",
            "Non disponible en facturation mensuelle",
            "Không có với thanh toán hàng tháng",
        ],
    ),
    (
        "pricing.unavailable.yearly",
        [
            "Not available with yearly billing",
            "Nicht mit jährlicher Abrechnung erhältlich",
            "Non disponible en facturation annuelle",
            "Không có với thanh toán hàng năm",
        ],
    ),
    (
        "pricing.unavailable.currency",
        [
            "Not available in {0}",
            "Nicht in {0} erhältlich",
            "Non disponible en {0}",
            "Không có bằng {0}",
        ],
    ),
    (
        "pricing.saving",
        [
            "Save {0} a year",
            "{0} pro Jahr sparen",
            "Économisez {0} par an",
            "Tiết kiệm {0} mỗi năm",
        ],
    ),
    (
        "pricing.save_up_to",
        [
            "save up to {0}%",
            "bis zu {0} % sparen",
            "jusqu’à {0} % d’économie",
            "tiết kiệm đến {0}%",
        ],
    ),
    (
        "pricing.trial",
        [
            "{0}-day free trial",
            "{0} Tage kostenlos testen",
            "Essai gratuit de {0} jours",
            "Dùng thử miễn phí {0} ngày",
        ],
    ),
    (
        "pricing.scheduled_on",
        [
            "Starts on {0}",
            "Beginnt am {0}",
            "Commence le {0}",
            "Bắt đầu từ {0}",
        ],
    ),
    (
        "pricing.upgrade",
        ["Upgrade", "Upgrade", "Monter en gamme", "Nâng cấp"],
    ),
    (
        "pricing.downgrade",
        [
            "Downgrade",
            "Downgrade",
            "Passer à l’offre inférieure",
            "Hạ cấp",
        ],
    ),
    (
        "pricing.switch",
        ["Switch", "Wechseln", "Changer", "Chuyển"],
    ),
    (
        "pricing.switch_yearly",
        [
            "Switch to yearly",
            "Zu jährlich wechseln",
            "Passer à l’annuel",
            "Chuyển sang hàng năm",
        ],
    ),
    (
        "pricing.switch_monthly",
        [
            "Switch to monthly",
            "Zu monatlich wechseln",
            "Passer au mensuel",
            "Chuyển sang hàng tháng",
        ],
    ),
    (
        "pricing.start_trial",
        [
            "Start free trial",
            "Kostenlos testen",
            "Commencer l’essai gratuit",
            "Bắt đầu dùng thử",
        ],
    ),
    ("pricing.choose", ["Choose", "Auswählen", "Choisir", "Chọn"]),
    (
        "pricing.note.owner_only",
        [
            "Only an owner of this account can change the plan.",
            "Nur ein Inhaber dieses Kontos kann den Plan ändern.",
            "Seul un propriétaire de ce compte peut changer d’offre.",
            "Chỉ chủ sở hữu tài khoản này mới có thể đổi gói.",
        ],
    ),
    (
        "pricing.note.currency",
        [
            "Your account is billed in {0}; plans can be changed in {0} only.",
            "Ihr Konto wird in {0} abgerechnet; Pläne können nur in {0} geändert werden.",
            "Votre compte est facturé en {0} ; l’offre ne peut être changée qu’en {0}.",
            "Tài khoản của bạn được tính phí bằng {0}; chỉ có thể đổi gói bằng {0}.",
        ],
    ),
    (
        "pricing.note.currency_link",
        [
            "Show prices in {0}",
            "Preise in {0} zeigen",
            "Afficher les prix en {0}",
            "Xem giá bằng {0}",
        ],
    ),
    (
        "pricing.note.payment",
        [
            "A payment is outstanding. Settle it before changing the plan.",
            "Eine Zahlung ist offen. Begleichen Sie sie, bevor Sie den Plan ändern.",
            "Un paiement est en attente. Réglez-le avant de changer d’offre.",
            "Còn một khoản thanh toán chưa xử lý. Hãy thanh toán trước khi đổi gói.",
        ],
    ),
    (
        "pricing.note.payment_link",
        [
            "Go to billing",
            "Zur Abrechnung",
            "Aller à la facturation",
            "Đến trang thanh toán",
        ],
    ),
    (
        "pricing.note.scheduled",
        [
            "Your plan changes to {0} on {1}.",
            "Ihr Plan wechselt am {1} zu {0}.",
            "Votre offre passe à {0} le {1}.",
            "Gói của bạn sẽ chuyển sang {0} vào {1}.",
        ],
    ),
    (
        "pricing.error.bad_request",
        [
            "This request is not one we can act on. Go back to the plans and try again.",
            "Diese Anfrage können wir nicht ausführen. Gehen Sie zurück zu den Plänen und versuchen Sie es erneut.",
            "Nous ne pouvons pas traiter cette demande. Revenez aux offres et réessayez.",
            "Không thể xử lý yêu cầu này. Hãy quay lại trang gói và thử lại.",
        ],
    ),
    (
        "pricing.change.title",
        [
            "Confirm your plan change",
            "Planwechsel bestätigen",
            "Confirmez le changement d’offre",
            "Xác nhận đổi gói",
        ],
    ),
    (
        "pricing.change.plan_interval",
        ["{0} · {1}", "{0} · {1}", "{0} · {1}", "{0} · {1}"],
    ),
    (
        "pricing.change.now",
        [
            "The new plan applies now. The rest of this period is prorated.",
            "Der neue Plan gilt sofort. Der Rest dieses Zeitraums wird anteilig berechnet.",
            "La nouvelle offre s’applique tout de suite. Le reste de la période est calculé au prorata.",
            "Gói mới có hiệu lực ngay. Phần còn lại của kỳ này được tính theo tỷ lệ.",
        ],
    ),
    (
        "pricing.change.at_period_end",
        [
            "The new plan applies at the end of the current period, on {0}. You keep your current plan until then.",
            "Der neue Plan gilt zum Ende des aktuellen Zeitraums, am {0}. Bis dahin behalten Sie Ihren aktuellen Plan.",
            "La nouvelle offre s’applique à la fin de la période en cours, le {0}. Vous gardez votre offre actuelle jusque-là.",
            "Gói mới có hiệu lực vào cuối kỳ hiện tại, ngày {0}. Bạn giữ gói hiện tại đến lúc đó.",
        ],
    ),
    (
        "pricing.change.unused_credit",
        [
            "Credit for unused time on the current plan",
            "Gutschrift für ungenutzte Zeit im aktuellen Plan",
            "Crédit pour le temps non utilisé de l’offre actuelle",
            "Hoàn lại phần thời gian chưa dùng của gói hiện tại",
        ],
    ),
    (
        "pricing.change.remaining_charge",
        [
            "Charge for the new plan",
            "Betrag für den neuen Plan",
            "Montant de la nouvelle offre",
            "Phí cho gói mới",
        ],
    ),
    ("pricing.change.from", ["From", "Von", "De", "Từ"]),
    ("pricing.change.to", ["To", "Zu", "Vers", "Sang"]),
    (
        "pricing.change.summary",
        [
            "What you pay now",
            "Was Sie jetzt zahlen",
            "Ce que vous payez maintenant",
            "Số tiền bạn trả bây giờ",
        ],
    ),
    (
        "pricing.change.due_now",
        [
            "Due now",
            "Jetzt fällig",
            "À payer maintenant",
            "Phải trả ngay",
        ],
    ),
    (
        "pricing.change.upgrade_note",
        [
            "The amount due now is charged to your payment method on file. Later periods are billed at the new price.",
            "Der jetzt fällige Betrag wird über Ihre hinterlegte Zahlungsmethode eingezogen. Spätere Zeiträume werden zum neuen Preis abgerechnet.",
            "Le montant dû est prélevé sur votre moyen de paiement enregistré. Les périodes suivantes sont facturées au nouveau prix.",
            "Số tiền phải trả ngay được trừ vào phương thức thanh toán đã lưu. Các kỳ sau được tính theo giá mới.",
        ],
    ),
    (
        "pricing.change.downgrade_note",
        [
            "Nothing is charged now. You can change your mind until the change applies.",
            "Jetzt wird nichts berechnet. Bis der Wechsel gilt, können Sie es sich anders überlegen.",
            "Rien n’est prélevé maintenant. Vous pouvez changer d’avis jusqu’à l’application du changement.",
            "Không tính phí bây giờ. Bạn có thể đổi ý cho đến khi thay đổi có hiệu lực.",
        ],
    ),
    (
        "pricing.change.confirm",
        [
            "Confirm change",
            "Wechsel bestätigen",
            "Confirmer le changement",
            "Xác nhận đổi gói",
        ],
    ),
];
