//! Strings of the app screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[
    // Usage page
    (
        "usage.title",
        ["Usage", "Nutzung", "Utilisation", "Mức sử dụng"],
    ),
    (
        "usage.lead",
        [
            "What {0} uses against the limits of its plan.",
            "Was {0} im Rahmen seines Tarifs nutzt.",
            "Ce que {0} utilise par rapport aux limites de son offre.",
            "Mức sử dụng của {0} so với hạn mức của gói.",
        ],
    ),
    (
        "usage.to_billing",
        ["Billing", "Abrechnung", "Facturation", "Thanh toán"],
    ),
    (
        "usage.compare_plans",
        [
            "Compare plans",
            "Tarife vergleichen",
            "Comparer les offres",
            "So sánh các gói",
        ],
    ),
    (
        "usage.features",
        ["Features", "Funktionen", "Fonctionnalités", "Tính năng"],
    ),
    (
        "usage.quotas",
        ["Quotas", "Kontingente", "Quotas", "Hạn mức"],
    ),
    (
        "usage.over_time",
        [
            "Usage over time",
            "Nutzung im Zeitverlauf",
            "Utilisation dans le temps",
            "Mức sử dụng theo thời gian",
        ],
    ),
    (
        "usage.limits",
        [
            "Limits and settings",
            "Limits und Einstellungen",
            "Limites et paramètres",
            "Giới hạn và cài đặt",
        ],
    ),
    (
        "usage.feature",
        ["Feature", "Funktion", "Fonctionnalité", "Tính năng"],
    ),
    ("usage.value", ["Value", "Wert", "Valeur", "Giá trị"]),
    // Plan card
    (
        "plan.current",
        [
            "Current plan",
            "Aktueller Tarif",
            "Offre actuelle",
            "Gói hiện tại",
        ],
    ),
    ("plan.price", ["Price", "Preis", "Prix", "Giá"]),
    (
        "plan.interval",
        [
            "Billing interval",
            "Abrechnungszeitraum",
            "Périodicité",
            "Chu kỳ thanh toán",
        ],
    ),
    (
        "plan.dates",
        [
            "Next date",
            "Nächstes Datum",
            "Prochaine date",
            "Ngày tiếp theo",
        ],
    ),
    (
        "plan.scheduled",
        [
            "Scheduled change",
            "Geplante Änderung",
            "Changement prévu",
            "Thay đổi đã lên lịch",
        ],
    ),
    (
        "plan.no_subscription",
        [
            "No paid subscription: the free plan's limits apply.",
            "Kein kostenpflichtiges Abo: Es gelten die Limits des kostenlosen Tarifs.",
            "Aucun abonnement payant : les limites de l'offre gratuite s'appliquent.",
            "Chưa có gói trả phí: áp dụng hạn mức của gói miễn phí.",
        ],
    ),
    (
        "plan.renews_on",
        [
            "Renews on {0}",
            "Verlängert sich am {0}",
            "Se renouvelle le {0}",
            "Gia hạn vào {0}",
        ],
    ),
    (
        "plan.trial_ends",
        [
            "Trial ends on {0}",
            "Testphase endet am {0}",
            "L'essai se termine le {0}",
            "Dùng thử kết thúc vào {0}",
        ],
    ),
    (
        "plan.ends_on",
        [
            "Ends on {0}",
            "Endet am {0}",
            "Se termine le {0}",
            "Kết thúc vào {0}",
        ],
    ),
    (
        "plan.grace_until",
        [
            "Payment due by {0}",
            "Zahlung fällig bis {0}",
            "Paiement dû avant le {0}",
            "Cần thanh toán trước {0}",
        ],
    ),
    (
        "plan.locked_on",
        [
            "Locked since {0}",
            "Gesperrt seit {0}",
            "Verrouillé depuis le {0}",
            "Bị khóa từ {0}",
        ],
    ),
    (
        "plan.ended_on",
        [
            "Ended on {0}",
            "Beendet am {0}",
            "Terminé le {0}",
            "Đã kết thúc vào {0}",
        ],
    ),
    (
        "plan.awaiting_payment",
        [
            "Waiting for the first payment",
            "Wartet auf die erste Zahlung",
            "En attente du premier paiement",
            "Đang chờ thanh toán lần đầu",
        ],
    ),
    (
        "plan.scheduled_change",
        [
            "Changes to {0} on {1}",
            "Wechselt am {1} zu {0}",
            "Passe à {0} le {1}",
            "Chuyển sang {0} vào {1}",
        ],
    ),
    (
        "plan.on_free_plan",
        [
            "The {0} plan's limits apply now.",
            "Jetzt gelten die Limits des Tarifs {0}.",
            "Les limites de l'offre {0} s'appliquent désormais.",
            "Hiện áp dụng hạn mức của gói {0}.",
        ],
    ),
    // Banners
    (
        "banner.locked.title",
        [
            "Your account is locked",
            "Ihr Konto ist gesperrt",
            "Votre compte est verrouillé",
            "Tài khoản của bạn đã bị khóa",
        ],
    ),
    (
        "banner.locked.text",
        [
            "A payment is overdue. The account is read-only and new usage is blocked until it is paid.",
            "Eine Zahlung ist überfällig. Das Konto ist schreibgeschützt und neue Nutzung ist gesperrt, bis sie bezahlt ist.",
            "Un paiement est en retard. Le compte est en lecture seule et toute nouvelle utilisation est bloquée jusqu'au règlement.",
            "Một khoản thanh toán đã quá hạn. Tài khoản chỉ được xem và mọi mức sử dụng mới bị chặn cho đến khi thanh toán.",
        ],
    ),
    (
        "banner.ask_owner_pay",
        [
            " Ask an owner of your workspace to update the payment method.",
            " Bitten Sie einen Inhaber Ihres Arbeitsbereichs, die Zahlungsmethode zu aktualisieren.",
            " Demandez à un propriétaire de votre espace de mettre à jour le moyen de paiement.",
            " Hãy nhờ chủ sở hữu không gian làm việc cập nhật phương thức thanh toán.",
        ],
    ),
    (
        "banner.pay_now",
        [
            "Pay now",
            "Jetzt bezahlen",
            "Payer maintenant",
            "Thanh toán ngay",
        ],
    ),
    (
        "banner.past_due.title",
        [
            "Payment overdue",
            "Zahlung überfällig",
            "Paiement en retard",
            "Thanh toán quá hạn",
        ],
    ),
    (
        "banner.past_due.text",
        [
            "A payment failed. Update your payment method before {0} to keep full access.",
            "Eine Zahlung ist fehlgeschlagen. Aktualisieren Sie Ihre Zahlungsmethode vor dem {0}, um den vollen Zugang zu behalten.",
            "Un paiement a échoué. Mettez à jour votre moyen de paiement avant le {0} pour garder un accès complet.",
            "Một khoản thanh toán không thành công. Hãy cập nhật phương thức thanh toán trước {0} để giữ toàn quyền truy cập.",
        ],
    ),
    (
        "banner.update_payment",
        [
            "Update payment method",
            "Zahlungsmethode aktualisieren",
            "Mettre à jour le paiement",
            "Cập nhật phương thức thanh toán",
        ],
    ),
    (
        "banner.ended.title",
        [
            "Your subscription ended on {0}",
            "Ihr Abo endete am {0}",
            "Votre abonnement a pris fin le {0}",
            "Gói đăng ký của bạn đã kết thúc vào {0}",
        ],
    ),
    (
        "banner.ended.text",
        [
            "The free plan's limits apply now. Choose a plan to get more.",
            "Jetzt gelten die Limits des kostenlosen Tarifs. Wählen Sie einen Tarif für mehr.",
            "Les limites de l'offre gratuite s'appliquent désormais. Choisissez une offre pour en avoir plus.",
            "Hiện áp dụng hạn mức của gói miễn phí. Hãy chọn một gói để có thêm.",
        ],
    ),
    (
        "banner.see_plans",
        [
            "See plans",
            "Tarife ansehen",
            "Voir les offres",
            "Xem các gói",
        ],
    ),
    (
        "banner.limit.title",
        [
            "A limit is reached",
            "Ein Limit ist erreicht",
            "Une limite est atteinte",
            "Đã chạm hạn mức",
        ],
    ),
    (
        "banner.limit.text",
        [
            "At or over the limit: {0}.",
            "Am oder über dem Limit: {0}.",
            "Limite atteinte ou dépassée : {0}.",
            "Đã chạm hoặc vượt hạn mức: {0}.",
        ],
    ),
    (
        "banner.limit.owner",
        [
            "Upgrade your plan to keep going.",
            "Wechseln Sie zu einem größeren Tarif, um weiterzumachen.",
            "Passez à une offre supérieure pour continuer.",
            "Hãy nâng cấp gói để tiếp tục.",
        ],
    ),
    (
        "banner.limit.ask_owner",
        [
            "Ask an owner of your workspace to upgrade the plan.",
            "Bitten Sie einen Inhaber Ihres Arbeitsbereichs, den Tarif zu erweitern.",
            "Demandez à un propriétaire de votre espace de passer à une offre supérieure.",
            "Hãy nhờ chủ sở hữu không gian làm việc nâng cấp gói.",
        ],
    ),
    (
        "banner.upgrade",
        [
            "Upgrade",
            "Upgrade",
            "Passer à l'offre supérieure",
            "Nâng cấp",
        ],
    ),
    (
        "banner.approaching.title",
        [
            "Approaching a limit",
            "Ein Limit ist bald erreicht",
            "Limite bientôt atteinte",
            "Sắp chạm hạn mức",
        ],
    ),
    (
        "banner.approaching.text",
        [
            "Close to the limit of your plan: {0}.",
            "Nahe am Limit Ihres Tarifs: {0}.",
            "Proche de la limite de votre offre : {0}.",
            "Gần chạm hạn mức của gói: {0}.",
        ],
    ),
    (
        "banner.trial.title",
        [
            "You are on a free trial",
            "Sie testen kostenlos",
            "Vous profitez d'un essai gratuit",
            "Bạn đang dùng thử miễn phí",
        ],
    ),
    (
        "banner.trial.days",
        [
            "Your trial ends in {0} days ({1}).",
            "Ihre Testphase endet in {0} Tagen ({1}).",
            "Votre essai se termine dans {0} jours ({1}).",
            "Thời gian dùng thử kết thúc sau {0} ngày ({1}).",
        ],
    ),
    (
        "banner.trial.tomorrow",
        [
            "Your trial ends tomorrow ({0}).",
            "Ihre Testphase endet morgen ({0}).",
            "Votre essai se termine demain ({0}).",
            "Thời gian dùng thử kết thúc vào ngày mai ({0}).",
        ],
    ),
    (
        "banner.trial.today",
        [
            "Your trial ends today ({0}).",
            "Ihre Testphase endet heute ({0}).",
            "Votre essai se termine aujourd'hui ({0}).",
            "Thời gian dùng thử kết thúc hôm nay ({0}).",
        ],
    ),
    (
        "banner.canceled.title",
        [
            "Your plan ends on {0}",
            "Ihr Tarif endet am {0}",
            "Votre offre se termine le {0}",
            "Gói của bạn kết thúc vào {0}",
        ],
    ),
    (
        "banner.canceled.owner",
        [
            "The subscription was canceled and will not renew. Reactivate it to keep your plan.",
            "Das Abo wurde gekündigt und verlängert sich nicht. Reaktivieren Sie es, um Ihren Tarif zu behalten.",
            "L'abonnement a été résilié et ne sera pas renouvelé. Réactivez-le pour garder votre offre.",
            "Gói đăng ký đã bị hủy và sẽ không gia hạn. Hãy kích hoạt lại để giữ gói của bạn.",
        ],
    ),
    (
        "banner.canceled.ask_owner",
        [
            "The subscription was canceled and will not renew. An owner can reactivate it.",
            "Das Abo wurde gekündigt und verlängert sich nicht. Ein Inhaber kann es reaktivieren.",
            "L'abonnement a été résilié et ne sera pas renouvelé. Un propriétaire peut le réactiver.",
            "Gói đăng ký đã bị hủy và sẽ không gia hạn. Chủ sở hữu có thể kích hoạt lại.",
        ],
    ),
    // Confirmations
    (
        "flash.canceled",
        [
            "Your subscription is canceled. It stays active until the end of the period.",
            "Ihr Abo ist gekündigt. Es bleibt bis zum Ende des Zeitraums aktiv.",
            "Votre abonnement est résilié. Il reste actif jusqu'à la fin de la période.",
            "Gói đăng ký đã được hủy. Gói vẫn hoạt động đến hết chu kỳ.",
        ],
    ),
    (
        "flash.reactivated",
        [
            "Your subscription is active again and will renew.",
            "Ihr Abo ist wieder aktiv und verlängert sich.",
            "Votre abonnement est de nouveau actif et sera renouvelé.",
            "Gói đăng ký đã hoạt động trở lại và sẽ được gia hạn.",
        ],
    ),
    (
        "flash.checkout",
        [
            "Thank you! Your payment went through and your plan is active.",
            "Vielen Dank! Ihre Zahlung ist eingegangen und Ihr Tarif ist aktiv.",
            "Merci ! Votre paiement a été accepté et votre offre est active.",
            "Cảm ơn bạn! Thanh toán thành công và gói của bạn đã được kích hoạt.",
        ],
    ),
    (
        "flash.changed",
        [
            "Your plan change is saved.",
            "Ihr Tarifwechsel ist gespeichert.",
            "Votre changement d'offre est enregistré.",
            "Thay đổi gói đã được lưu.",
        ],
    ),
    // Quotas
    (
        "quota.state.ok",
        [
            "Within limit",
            "Im Limit",
            "Dans la limite",
            "Trong hạn mức",
        ],
    ),
    (
        "quota.state.approaching",
        [
            "Approaching limit",
            "Limit fast erreicht",
            "Limite proche",
            "Sắp chạm hạn mức",
        ],
    ),
    (
        "quota.state.at_limit",
        [
            "Limit reached",
            "Limit erreicht",
            "Limite atteinte",
            "Đã chạm hạn mức",
        ],
    ),
    (
        "quota.state.over",
        [
            "Over limit",
            "Über dem Limit",
            "Limite dépassée",
            "Vượt hạn mức",
        ],
    ),
    (
        "quota.current_level",
        [
            "Current level",
            "Aktueller Stand",
            "Niveau actuel",
            "Mức hiện tại",
        ],
    ),
    (
        "quota.lifetime",
        [
            "Total so far",
            "Bisher insgesamt",
            "Total à ce jour",
            "Tổng đến nay",
        ],
    ),
    (
        "quota.resets",
        [
            "Resets {0}",
            "Zurückgesetzt am {0}",
            "Réinitialisé le {0}",
            "Đặt lại vào {0}",
        ],
    ),
    (
        "quota.used",
        ["{0} used", "{0} genutzt", "{0} utilisés", "Đã dùng {0}"],
    ),
    (
        "quota.of",
        ["{0} of {1}", "{0} von {1}", "{0} sur {1}", "{0} / {1}"],
    ),
    (
        "quota.overage",
        [
            "{0} above the limit, billed as overage",
            "{0} über dem Limit, als Mehrverbrauch berechnet",
            "{0} au-delà de la limite, facturés en dépassement",
            "{0} vượt hạn mức, được tính phí vượt mức",
        ],
    ),
    (
        "quota.soft",
        [
            "Use above the limit is billed as overage.",
            "Nutzung über dem Limit wird als Mehrverbrauch berechnet.",
            "L'utilisation au-delà de la limite est facturée en dépassement.",
            "Mức dùng vượt hạn mức được tính phí vượt mức.",
        ],
    ),
    (
        "limit.at_once",
        [
            "up to {0} at once",
            "bis zu {0} gleichzeitig",
            "jusqu'à {0} à la fois",
            "tối đa {0} cùng lúc",
        ],
    ),
    (
        "limit.in_use",
        [
            "{0} in use",
            "{0} in Gebrauch",
            "{0} en cours",
            "đang dùng {0}",
        ],
    ),
    (
        "limit.per_request",
        [
            "up to {0} per request",
            "bis zu {0} pro Anfrage",
            "jusqu'à {0} par requête",
            "tối đa {0} mỗi yêu cầu",
        ],
    ),
    (
        "value.days",
        ["{0} days", "{0} Tage", "{0} jours", "{0} ngày"],
    ),
    (
        "value.forever",
        ["Forever", "Unbegrenzt", "Illimitée", "Vĩnh viễn"],
    ),
    // Charts
    (
        "chart.bar",
        [
            "{0}: {1} (total {2})",
            "{0}: {1} (gesamt {2})",
            "{0} : {1} (total {2})",
            "{0}: {1} (tổng {2})",
        ],
    ),
    (
        "chart.bar_daily",
        ["{0}: {1}", "{0}: {1}", "{0} : {1}", "{0}: {1}"],
    ),
    (
        "chart.limit",
        ["Limit {0}", "Limit {0}", "Limite {0}", "Hạn mức {0}"],
    ),
    (
        "chart.caption",
        [
            "Running total per day, {0}",
            "Laufende Summe pro Tag, {0}",
            "Total cumulé par jour, {0}",
            "Tổng cộng dồn theo ngày, {0}",
        ],
    ),
    (
        "chart.caption_limit",
        [
            "Running total per day against the limit of {1}, {0}",
            "Laufende Summe pro Tag gegenüber dem Limit von {1}, {0}",
            "Total cumulé par jour face à la limite de {1}, {0}",
            "Tổng cộng dồn theo ngày so với hạn mức {1}, {0}",
        ],
    ),
    (
        "chart.caption_daily",
        [
            "Use per day against the daily limit, {0}",
            "Nutzung pro Tag gegenüber dem Tageslimit, {0}",
            "Utilisation par jour face à la limite quotidienne, {0}",
            "Mức dùng mỗi ngày so với hạn mức ngày, {0}",
        ],
    ),
    (
        "chart.label",
        [
            "{0} per day, {1}",
            "{0} pro Tag, {1}",
            "{0} par jour, {1}",
            "{0} theo ngày, {1}",
        ],
    ),
    (
        "chart.as_table",
        [
            "Show as a table",
            "Als Tabelle anzeigen",
            "Afficher en tableau",
            "Xem dạng bảng",
        ],
    ),
    ("chart.day", ["Day", "Tag", "Jour", "Ngày"]),
    ("chart.used", ["Used", "Genutzt", "Utilisé", "Đã dùng"]),
    ("chart.total", ["Total", "Gesamt", "Total", "Tổng"]),
    // Billing page
    (
        "billing.title",
        ["Billing", "Abrechnung", "Facturation", "Thanh toán"],
    ),
    (
        "billing.lead",
        [
            "The plan, payment method and invoices of {0}.",
            "Tarif, Zahlungsmethode und Rechnungen von {0}.",
            "L'offre, le moyen de paiement et les factures de {0}.",
            "Gói, phương thức thanh toán và hóa đơn của {0}.",
        ],
    ),
    (
        "billing.forbidden",
        [
            "Billing is only available to owners and admins of this workspace.",
            "Die Abrechnung ist nur für Inhaber und Administratoren dieses Arbeitsbereichs verfügbar.",
            "La facturation est réservée aux propriétaires et administrateurs de cet espace.",
            "Chỉ chủ sở hữu và quản trị viên của không gian làm việc này mới xem được thanh toán.",
        ],
    ),
    (
        "billing.manage",
        [
            "Manage subscription",
            "Abo verwalten",
            "Gérer l'abonnement",
            "Quản lý gói đăng ký",
        ],
    ),
    (
        "billing.owner_only",
        [
            "Only an owner can change the plan, the payment method or the subscription.",
            "Nur ein Inhaber kann den Tarif, die Zahlungsmethode oder das Abo ändern.",
            "Seul un propriétaire peut changer l'offre, le moyen de paiement ou l'abonnement.",
            "Chỉ chủ sở hữu mới có thể thay đổi gói, phương thức thanh toán hoặc gói đăng ký.",
        ],
    ),
    (
        "billing.change_plan",
        [
            "Change plan",
            "Tarif wechseln",
            "Changer d'offre",
            "Đổi gói",
        ],
    ),
    (
        "billing.change_plan.text",
        [
            "Upgrades apply now, prorated; downgrades at the end of the period.",
            "Upgrades gelten sofort, anteilig berechnet; Downgrades zum Ende des Zeitraums.",
            "Les montées en gamme s'appliquent tout de suite, au prorata ; les baisses en fin de période.",
            "Nâng cấp áp dụng ngay, tính theo tỷ lệ; hạ cấp áp dụng vào cuối chu kỳ.",
        ],
    ),
    (
        "billing.payment_method",
        [
            "Manage payment method",
            "Zahlungsmethode verwalten",
            "Gérer le moyen de paiement",
            "Quản lý phương thức thanh toán",
        ],
    ),
    (
        "billing.payment_method.text",
        [
            "Update your card and billing details on the payment provider's secure page.",
            "Karte und Rechnungsdaten auf der sicheren Seite des Zahlungsanbieters ändern.",
            "Modifiez votre carte et vos coordonnées de facturation sur la page sécurisée du prestataire de paiement.",
            "Cập nhật thẻ và thông tin thanh toán trên trang bảo mật của nhà cung cấp thanh toán.",
        ],
    ),
    (
        "billing.reactivate",
        ["Reactivate", "Reaktivieren", "Réactiver", "Kích hoạt lại"],
    ),
    (
        "billing.reactivate.text",
        [
            "Keep your plan: the subscription renews as before.",
            "Tarif behalten: Das Abo verlängert sich wie bisher.",
            "Gardez votre offre : l'abonnement se renouvelle comme avant.",
            "Giữ gói của bạn: gói đăng ký sẽ gia hạn như trước.",
        ],
    ),
    (
        "billing.cancel",
        [
            "Cancel subscription",
            "Abo kündigen",
            "Résilier l'abonnement",
            "Hủy gói đăng ký",
        ],
    ),
    (
        "billing.cancel.text",
        [
            "Your plan stays active until the end of the current period.",
            "Ihr Tarif bleibt bis zum Ende des aktuellen Zeitraums aktiv.",
            "Votre offre reste active jusqu'à la fin de la période en cours.",
            "Gói vẫn hoạt động đến hết chu kỳ hiện tại.",
        ],
    ),
    (
        "billing.cancel.confirm",
        [
            "Cancel the subscription at the end of the current period?",
            "Das Abo zum Ende des aktuellen Zeitraums kündigen?",
            "Résilier l'abonnement à la fin de la période en cours ?",
            "Hủy gói đăng ký vào cuối chu kỳ hiện tại?",
        ],
    ),
    (
        "billing.credits",
        [
            "Credit balance",
            "Guthaben",
            "Solde de crédits",
            "Số dư tín dụng",
        ],
    ),
    (
        "billing.invoices",
        ["Invoices", "Rechnungen", "Factures", "Hóa đơn"],
    ),
    (
        "billing.no_invoices",
        [
            "No invoices yet.",
            "Noch keine Rechnungen.",
            "Aucune facture pour le moment.",
            "Chưa có hóa đơn nào.",
        ],
    ),
    ("invoice.date", ["Date", "Datum", "Date", "Ngày"]),
    ("invoice.number", ["Number", "Nummer", "Numéro", "Số"]),
    ("invoice.period", ["Period", "Zeitraum", "Période", "Kỳ"]),
    ("invoice.amount", ["Amount", "Betrag", "Montant", "Số tiền"]),
    (
        "invoice.status",
        ["Status", "Status", "Statut", "Trạng thái"],
    ),
    (
        "invoice.link",
        ["Invoice", "Rechnung", "Facture", "Hóa đơn"],
    ),
    ("invoice.view", ["View", "Ansehen", "Voir", "Xem"]),
    ("invoice.draft", ["Draft", "Entwurf", "Brouillon", "Nháp"]),
    (
        "invoice.open",
        ["Open", "Offen", "Ouverte", "Chưa thanh toán"],
    ),
    (
        "invoice.paid",
        ["Paid", "Bezahlt", "Payée", "Đã thanh toán"],
    ),
    ("invoice.void", ["Void", "Storniert", "Annulée", "Đã hủy"]),
    (
        "invoice.uncollectible",
        [
            "Uncollectible",
            "Uneinbringlich",
            "Irrécouvrable",
            "Không thu được",
        ],
    ),
];
