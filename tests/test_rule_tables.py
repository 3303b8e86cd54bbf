"""Every rule table loads and compiles, and each language's table strips a made-up page.

The pages are written for these tests (prose about made-up events; noise lines as sites in that
language word them), not taken from any dev set.
"""
from __future__ import annotations

import pytest

from cleaner.api import clean_text
from cleaner.strip.rules import available_languages, load_rules

REQUIRED = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "ru", "sv", "tr")

# language -> (two paragraphs of prose, noise lines the table must remove)
PAGES: dict[str, tuple[list[str], list[str]]] = {
    "de": (
        [("Der Gemeinderat von Neuhausen hat am Dienstagabend mit großer Mehrheit beschlossen, die alte "
         "Bahntrasse in einen Radweg umzuwandeln, der die beiden Ortsteile verbinden soll."),
         ("Die Bauarbeiten sollen im kommenden Frühjahr beginnen und nach Angaben der Verwaltung rund "
         "zwei Jahre dauern, wobei die Kosten größtenteils vom Land getragen werden.")],
        ["Lesen Sie auch: Neue Buslinie für das Gewerbegebiet", "Anzeige", "Artikel teilen",
         "Kommentare", "Alle Rechte vorbehalten."],
    ),
    "fr": (
        [("Le conseil municipal de Villeneuve a voté mardi soir la transformation de l'ancienne voie "
         "ferrée en une piste cyclable qui reliera les deux quartiers de la commune."),
         ("Les travaux doivent commencer au printemps prochain et dureront environ deux ans, selon la "
         "mairie, qui compte sur une aide importante de la région pour les financer.")],
        ["Lire aussi : Une nouvelle ligne de bus pour la zone artisanale", "Publicité", "Partager",
         "Commentaires"],
    ),
    "es": (
        [("El ayuntamiento de Villanueva aprobó el martes por la noche convertir la antigua vía del "
         "tren en un carril bici que unirá los dos barrios del municipio."),
         ("Las obras empezarán la próxima primavera y durarán unos dos años, según el consistorio, que "
         "espera recibir una ayuda importante de la comunidad para pagarlas.")],
        ["Lee también: Una nueva línea de autobús para el polígono", "Publicidad", "Compartir",
         "Comentarios"],
    ),
    "it": (
        [("Il consiglio comunale di Villanova ha deciso martedì sera di trasformare la vecchia linea "
         "ferroviaria in una pista ciclabile che collegherà i due quartieri del paese."),
         ("I lavori dovrebbero cominciare la prossima primavera e durare circa due anni, secondo il "
         "comune, che conta su un contributo importante della regione per pagarli.")],
        ["Leggi anche: Una nuova linea di autobus per la zona industriale", "Pubblicità", "Condividi",
         "Lascia un commento", "Riproduzione riservata", "Articoli correlati"],
    ),
    "pt": (
        [("A câmara municipal de Vila Nova decidiu na terça-feira à noite transformar a antiga linha "
         "de comboio numa ciclovia que vai ligar os dois bairros da cidade."),
         ("As obras devem começar na próxima primavera e durar cerca de dois anos, segundo a autarquia, "
         "que conta com um apoio importante do governo regional para as pagar.")],
        ["Leia também: Nova linha de autocarro para a zona industrial", "Publicidade", "Compartilhe",
         "Deixe seu comentário", "Todos os direitos reservados."],
    ),
    "nl": (
        [("De gemeenteraad van Nieuwdorp heeft dinsdagavond besloten de oude spoorlijn om te bouwen "
         "tot een fietspad dat de twee wijken van het dorp met elkaar verbindt."),
         ("De werkzaamheden moeten volgend voorjaar beginnen en duren volgens de gemeente ongeveer twee "
         "jaar, waarbij de provincie het grootste deel van de kosten betaalt.")],
        ["Lees ook: Nieuwe buslijn voor het bedrijventerrein", "Advertentie", "Deel dit artikel",
         "Reacties", "Alle rechten voorbehouden."],
    ),
    "pl": (
        [("Rada gminy Nowa Wieś zdecydowała we wtorek wieczorem, że stara linia kolejowa zostanie "
         "przebudowana na ścieżkę rowerową, która połączy dwie części miejscowości."),
         ("Prace mają się rozpocząć wiosną przyszłego roku i potrwać około dwóch lat, a większość "
         "kosztów pokryje samorząd województwa, jak poinformował urząd gminy.")],
        ["Czytaj też: Nowa linia autobusowa do strefy przemysłowej", "Reklama", "Udostępnij",
         "Komentarze", "Wszelkie prawa zastrzeżone."],
    ),
    "cs": (
        [("Zastupitelstvo obce Nová Ves v úterý večer rozhodlo, že stará železniční trať bude "
         "přestavěna na cyklostezku, která propojí obě části obce."),
         ("Práce by měly začít příští jaro a potrvají podle obecního úřadu zhruba dva roky, přičemž "
         "většinu nákladů zaplatí kraj ze svého rozpočtu.")],
        ["Čtěte také: Nová autobusová linka do průmyslové zóny", "Reklama", "Sdílet", "Diskuse",
         "Všechna práva vyhrazena."],
    ),
    "ru": (
        [("Городской совет Новоселья во вторник вечером решил превратить старую железнодорожную линию "
         "в велосипедную дорожку, которая соединит два района города."),
         ("Работы должны начаться следующей весной и продлятся около двух лет, сообщили в мэрии, где "
         "рассчитывают, что большую часть расходов возьмёт на себя область.")],
        ["Читайте также: Новый автобусный маршрут в промышленную зону", "Реклама", "Поделиться",
         "Комментарии", "Все права защищены."],
    ),
    "sv": (
        [("Kommunfullmäktige i Nyby beslutade på tisdagskvällen att den gamla järnvägen ska byggas om "
         "till en cykelbana som förbinder de två delarna av orten."),
         ("Arbetet ska enligt kommunen börja nästa vår och pågå i ungefär två år, och regionen väntas "
         "stå för den största delen av kostnaderna.")],
        ["Läs också: Ny busslinje till industriområdet", "Annons", "Dela artikeln", "Kommentarer",
         "Alla rättigheter förbehålls."],
    ),
    "tr": (
        [("Yeniköy belediye meclisi salı akşamı eski demiryolu hattının iki mahalleyi birbirine "
         "bağlayacak bir bisiklet yoluna dönüştürülmesine karar verdi."),
         ("Belediyenin açıklamasına göre çalışmalar önümüzdeki bahar başlayacak ve yaklaşık iki yıl "
         "sürecek, masrafların büyük bölümü ise il yönetimi tarafından karşılanacak.")],
        ["İlgili haber: Sanayi bölgesine yeni otobüs hattı", "Reklam", "Paylaş", "Yorumlar",
         "Tüm hakları saklıdır."],
    ),
}


def test_required_languages_have_tables():
    assert set(REQUIRED) <= set(available_languages())


@pytest.mark.parametrize("language", available_languages())
def test_table_loads_and_compiles(language):
    rules = load_rules(language)
    assert rules.language == language
    assert rules.rules and rules.stopwords
    own = [r for r in rules.rules.values() if r.id.startswith(language)]
    assert own, f"{language}.toml has no rules of its own"
    for rule in own:
        assert rule.regex.pattern  # compiled with its mode's anchoring
        assert rule.kind and rule.reason


@pytest.mark.parametrize("language", sorted(PAGES))
def test_made_up_page(language):
    prose, noise = PAGES[language]
    title = "Title line of the made-up story"
    lines = [title, "", noise[0], "", prose[0], "", noise[1], "", prose[1], "", *noise[2:]]
    text = "\n".join(lines) + "\n"
    doc = clean_text(text)  # no language given: detected
    assert doc.language == language
    for paragraph in prose:
        assert paragraph in doc.text
    for line in noise:
        assert line not in doc.text, f"{language}: kept noise {line!r}"
    removed = {text[s.start : s.end].strip() for s in doc.removed}
    assert set(noise) <= removed | {r.strip() for r in removed}
