//! What a reminder says, in the unit's language: the letter and its mail in English, Dutch,
//! German or French, as the unit's locale names the language (English for any other). A step's
//! name is printed as the unit wrote it; the three default names ("Friendly reminder", "First
//! notice", "Final notice") are printed in the unit's language.
//!
//! Placeholders are `{name}`-style and filled by [`fill`].

/// The languages a reminder is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Nl,
    De,
    Fr,
}

impl Lang {
    /// The language of a locale (`nl-NL` → Dutch); English for a language not written here.
    pub fn of(locale: &str) -> Lang {
        let language = locale.split(['-', '_']).next().unwrap_or_default();
        match language.to_ascii_lowercase().as_str() {
            "nl" => Lang::Nl,
            "de" => Lang::De,
            "fr" => Lang::Fr,
            _ => Lang::En,
        }
    }
}

/// Every sentence and label of a reminder in one language.
pub struct Words {
    /// The language, in its own name.
    pub language: &'static str,
    /// `{name}`.
    pub greeting: &'static str,
    /// `{amount}`, `{to}` (the `to_account` phrase, or nothing without a bank account).
    pub overdue: &'static str,
    /// `{account}`.
    pub to_account: &'static str,
    pub final_notice: &'static str,
    pub date: &'static str,
    pub step: &'static str,
    /// `{n}`, `{of}`.
    pub step_of: &'static str,
    /// Invoice, for, due, days overdue, open.
    pub columns: [&'static str; 5],
    pub total_overdue: &'static str,
    pub disregard: &'static str,
    /// `{seller}`.
    pub regards: &'static str,
    /// `{level}`, `{amount}`, `{seller}`.
    pub mail_subject: &'static str,
    /// `{name}`, `{level}` (lower case where the language writes it so mid-sentence),
    /// `{count}`, `{amount}`, `{seller}`.
    pub mail_body: &'static str,
    /// What a VAT identification number is called.
    pub vat_id: &'static str,
    /// The page number: `{n}`, `{of}`.
    pub page_of: &'static str,
    /// Whether a step's name is written in lower case mid-sentence (not in German).
    pub lower_level: bool,
    /// The default steps' names.
    pub defaults: [&'static str; 3],
    /// What a payment is for, by kind (`PaymentKind::ALL`'s order: rent, part month, buyout,
    /// early-return fee, charge).
    pub kinds: [&'static str; 5],
}

const EN: Words = Words {
    language: "English",
    greeting: "Dear {name},",
    overdue: "According to our records the payments below are overdue. Please transfer {amount} as soon as possible{to}, quoting the invoice numbers.",
    to_account: " to {account}",
    final_notice: "This is our final notice before we take further steps, which may include collecting the devices.",
    date: "Date",
    step: "Step",
    step_of: "{n} of {of}",
    columns: ["Invoice", "For", "Due", "Days overdue", "Open"],
    total_overdue: "Total overdue",
    disregard: "If you have paid in the meantime, please disregard this letter.",
    regards: "Kind regards, {seller}",
    mail_subject: "{level}: {amount} open — {seller}",
    mail_body: "Dear {name},\n\nPlease find attached our {level} about {count} overdue payment(s), {amount} in all.\nIf you have paid in the meantime, please disregard it.\n\nKind regards,\n{seller}\n",
    vat_id: "VAT ID",
    page_of: "Page {n} of {of}",
    lower_level: true,
    defaults: ["Friendly reminder", "First notice", "Final notice"],
    kinds: ["Rent", "Rent (part month)", "Buyout", "Early-return fee", "Charge"],
};

const NL: Words = Words {
    language: "Nederlands",
    greeting: "Beste {name},",
    overdue: "Volgens onze administratie staan de onderstaande betalingen nog open. Wij verzoeken u {amount} zo spoedig mogelijk over te maken{to}, onder vermelding van de factuurnummers.",
    to_account: " naar {account}",
    final_notice: "Dit is onze laatste aanmaning voordat wij verdere stappen nemen, waaronder mogelijk het ophalen van de apparaten.",
    date: "Datum",
    step: "Stap",
    step_of: "{n} van {of}",
    columns: ["Factuur", "Voor", "Vervaldatum", "Dagen te laat", "Open"],
    total_overdue: "Totaal achterstallig",
    disregard: "Heeft u inmiddels betaald, dan kunt u deze brief als niet verzonden beschouwen.",
    regards: "Met vriendelijke groet, {seller}",
    mail_subject: "{level}: {amount} open — {seller}",
    mail_body: "Beste {name},\n\nBijgaand vindt u onze {level} over {count} achterstallige betaling(en), in totaal {amount}.\nHeeft u inmiddels betaald, dan kunt u dit bericht als niet verzonden beschouwen.\n\nMet vriendelijke groet,\n{seller}\n",
    vat_id: "Btw-id",
    page_of: "Pagina {n} van {of}",
    lower_level: true,
    defaults: ["Betalingsherinnering", "Eerste aanmaning", "Laatste aanmaning"],
    kinds: ["Huur", "Huur (deel van de maand)", "Overname", "Vergoeding voor vroege retour", "Kosten"],
};

const DE: Words = Words {
    language: "Deutsch",
    greeting: "Guten Tag {name},",
    overdue: "laut unseren Unterlagen sind die folgenden Zahlungen überfällig. Bitte überweisen Sie {amount} umgehend{to} unter Angabe der Rechnungsnummern.",
    to_account: " auf das Konto {account}",
    final_notice: "Dies ist unsere letzte Mahnung, bevor wir weitere Schritte einleiten, die auch die Rücknahme der Geräte umfassen können.",
    date: "Datum",
    step: "Mahnstufe",
    step_of: "{n} von {of}",
    columns: ["Rechnung", "Für", "Fällig", "Tage überfällig", "Offen"],
    total_overdue: "Überfällig gesamt",
    disregard: "Sollten Sie die Zahlung inzwischen geleistet haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.",
    regards: "Mit freundlichen Grüßen, {seller}",
    mail_subject: "{level}: {amount} offen — {seller}",
    mail_body: "Guten Tag {name},\n\nanbei erhalten Sie unsere {level} zu {count} überfälligen Zahlung(en), insgesamt {amount}.\nSollten Sie inzwischen gezahlt haben, betrachten Sie diese bitte als gegenstandslos.\n\nMit freundlichen Grüßen\n{seller}\n",
    vat_id: "USt-IdNr.",
    page_of: "Seite {n} von {of}",
    lower_level: false,
    defaults: ["Zahlungserinnerung", "Erste Mahnung", "Letzte Mahnung"],
    kinds: ["Miete", "Miete (Teilmonat)", "Kauf", "Gebühr für vorzeitige Rückgabe", "Gebühr"],
};

const FR: Words = Words {
    language: "Français",
    greeting: "Bonjour {name},",
    overdue: "Selon nos écritures, les paiements ci-dessous sont en retard. Merci de virer {amount} dans les meilleurs délais{to}, en indiquant les numéros de facture.",
    to_account: " sur le compte {account}",
    final_notice: "Ceci est notre dernière relance avant d'engager d'autres démarches, pouvant aller jusqu'à la reprise des appareils.",
    date: "Date",
    step: "Étape",
    step_of: "{n} sur {of}",
    columns: ["Facture", "Objet", "Échéance", "Jours de retard", "Restant dû"],
    total_overdue: "Total en retard",
    disregard: "Si vous avez réglé entre-temps, merci de ne pas tenir compte de ce courrier.",
    regards: "Cordialement, {seller}",
    mail_subject: "{level} : {amount} restant dû — {seller}",
    mail_body: "Bonjour {name},\n\nVeuillez trouver ci-joint notre {level} concernant {count} paiement(s) en retard, {amount} au total.\nSi vous avez réglé entre-temps, merci de ne pas en tenir compte.\n\nCordialement,\n{seller}\n",
    vat_id: "N° TVA",
    page_of: "Page {n} sur {of}",
    lower_level: true,
    defaults: ["Rappel de paiement", "Première relance", "Dernière relance"],
    kinds: ["Loyer", "Loyer (mois partiel)", "Rachat", "Frais de retour anticipé", "Frais"],
};

/// The words of `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Nl => &NL,
        Lang::De => &DE,
        Lang::Fr => &FR,
    }
}

impl Words {
    /// A step's name as printed: a default name in this language, any other as written.
    pub fn step_name(&self, name: &str) -> String {
        EN.defaults
            .iter()
            .position(|d| d.eq_ignore_ascii_case(name.trim()))
            .map(|i| self.defaults[i].to_string())
            .unwrap_or_else(|| name.to_string())
    }

    /// What a payment is for: a charge's own label, else its kind in this language.
    pub fn payment_text(&self, kind: &str, label: Option<&str>) -> String {
        use crate::domain::status::PaymentKind;
        match (PaymentKind::parse(kind), label.map(str::trim)) {
            (Some(PaymentKind::Charge), Some(l)) if !l.is_empty() => l.to_string(),
            (k, _) => {
                let k = k.unwrap_or(PaymentKind::Rent);
                let i = PaymentKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
                self.kinds[i].to_string()
            }
        }
    }

    /// A step's name in the middle of a sentence.
    pub fn step_in_sentence(&self, name: &str) -> String {
        let name = self.step_name(name);
        if self.lower_level {
            name.to_lowercase()
        } else {
            name
        }
    }
}

/// `template` with each `{key}` replaced by its value.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(template.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_locale_and_defaults_to_english() {
        assert_eq!(Lang::of("nl-NL"), Lang::Nl);
        assert_eq!(Lang::of("de_AT"), Lang::De);
        assert_eq!(Lang::of("FR"), Lang::Fr);
        assert_eq!(Lang::of("en-US"), Lang::En);
        assert_eq!(Lang::of("pl-PL"), Lang::En);
        assert_eq!(Lang::of(""), Lang::En);
    }

    #[test]
    fn default_step_names_are_translated_and_a_unit_s_own_stay_as_written() {
        let de = words(Lang::De);
        assert_eq!(de.step_name("First notice"), "Erste Mahnung");
        assert_eq!(de.step_in_sentence("Final notice"), "Letzte Mahnung");
        assert_eq!(
            words(Lang::Nl).step_in_sentence("Friendly reminder"),
            "betalingsherinnering"
        );
        assert_eq!(de.step_name("Letzte Warnung"), "Letzte Warnung");
    }

    #[test]
    fn payments_are_named_in_the_language_and_english_as_everywhere_else() {
        use crate::domain::status::PaymentKind;
        for (i, k) in PaymentKind::ALL.iter().enumerate() {
            assert_eq!(words(Lang::En).kinds[i], k.text(), "{k:?}");
        }
        let nl = words(Lang::Nl);
        assert_eq!(nl.payment_text("rent", None), "Huur");
        assert_eq!(nl.payment_text("charge", Some("Schade")), "Schade");
        assert_eq!(nl.payment_text("charge", Some(" ")), "Kosten");
    }

    #[test]
    fn every_language_fills_every_placeholder() {
        for lang in [Lang::En, Lang::Nl, Lang::De, Lang::Fr] {
            let w = words(lang);
            let args = [
                ("name", "N"),
                ("amount", "A"),
                ("to", ""),
                ("account", "X"),
                ("n", "1"),
                ("of", "3"),
                ("seller", "S"),
                ("level", "L"),
                ("count", "2"),
            ];
            for t in [
                w.greeting,
                w.overdue,
                w.to_account,
                w.step_of,
                w.regards,
                w.mail_subject,
                w.mail_body,
                w.page_of,
            ] {
                let filled = fill(t, &args);
                assert!(!filled.contains('{'), "{lang:?}: {filled}");
            }
        }
    }
}
