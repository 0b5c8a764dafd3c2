"""Old body HTML as body blocks: what becomes which block, footnotes in their common
markups, and nothing dropped without a warning."""

from publications.archive_import.body import convert_body, deterministic_uuid
from publications.archive_import.footnotes import footnote_reference

KEY = "https://old.example/2019/03/cameras/"


def reference(number):
    return footnote_reference(deterministic_uuid(KEY, number))


def test_paragraphs_and_lists_become_one_paragraph_block_with_the_allowed_formatting():
    converted = convert_body(
        "<p>A <strong>bold</strong>, <em>italic</em> and <span style='color:red'>plain</span>"
        " <a href='https://example.org/?a=1&b=2'>link</a>.</p>"
        "<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>",
        KEY,
    )

    assert converted.blocks == [
        {
            "type": "paragraph",
            "value": "<p>A <b>bold</b>, <i>italic</i> and plain "
            '<a href="https://example.org/?a=1&amp;b=2">link</a>.</p>'
            "<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>",
        }
    ]
    assert converted.warnings == []


def test_headings_quotes_tables_and_images_become_their_blocks():
    converted = convert_body(
        "<h1>Title</h1><h4>Detail</h4>"
        "<blockquote><p>Words.</p><footer>— Someone</footer></blockquote>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td></tr></table>"
        '<p>Before <img src="pics/chart.png" alt="A chart"> after</p>',
        KEY,
    )

    assert [block["type"] for block in converted.blocks] == [
        "heading",
        "heading",
        "quote",
        "table",
        "paragraph",
        "image",
    ]
    assert converted.blocks[0]["value"] == {"text": "Title", "level": "h2"}
    assert converted.blocks[1]["value"] == {"text": "Detail", "level": "h3"}
    assert converted.blocks[2]["value"] == {"text": "Words.", "attribution": "Someone"}
    table = converted.blocks[3]["value"]["table"]
    assert table["data"] == [["A", "B"], ["1", ""]] and table["first_row_is_table_header"]
    assert converted.blocks[5]["value"]["alt_text"] == "A chart"
    assert converted.images == ["pics/chart.png"]


def test_wordpress_footnotes_become_footnotes_referenced_where_they_were():
    converted = convert_body(
        '<p>Claim.<sup><a href="#fn1" id="fnref1">1</a></sup> Again.'
        '<sup><a href="#fn1">1</a></sup> Other.<sup><a href="#fn2">2</a></sup></p>'
        '<ol class="footnotes"><li id="fn1"><p>First <em>note</em>. '
        '<a href="#fnref1" class="footnote-backref">↩</a></p></li>'
        '<li id="fn2">Second, <a href="https://example.org/">online</a>.</li></ol>',
        KEY,
    )

    assert converted.blocks == [
        {
            "type": "paragraph",
            "value": f"<p>Claim.{reference(1)} Again.{reference(1)} Other.{reference(2)}</p>",
        }
    ]
    assert converted.footnotes == [
        (deterministic_uuid(KEY, 1), "<p>First <i>note</i>.</p>"),
        (deterministic_uuid(KEY, 2), '<p>Second, <a href="https://example.org/">online</a>.</p>'),
    ]
    assert reference(1) == (
        f'<footnote id="{deterministic_uuid(KEY, 1)}">[{deterministic_uuid(KEY, 1)[:6]}]</footnote>'
    )


def test_footnote_ref_links_and_word_footnotes_are_recognised():
    markdown = convert_body(
        '<p>Text<a class="footnote-ref" href="#note-a">[1]</a></p>'
        '<div class="footnotes"><ol><li id="note-a">The note.</li></ol></div>',
        KEY,
    )
    word = convert_body(
        '<p>Text<a href="#_ftn1" name="_ftnref1">[1]</a></p>'
        '<div id="ftn1"><p><a href="#_ftnref1" name="_ftn1">[1]</a> The note.</p></div>',
        KEY,
    )

    for converted in (markdown, word):
        assert converted.blocks == [{"type": "paragraph", "value": f"<p>Text{reference(1)}</p>"}]
        assert converted.footnotes == [(deterministic_uuid(KEY, 1), "<p>The note.</p>")]
        assert converted.warnings == []


def test_what_cannot_be_converted_is_kept_as_text_and_reported_with_its_line():
    converted = convert_body(
        "<p>First</p>\n"
        "<video>The recording</video>\n"
        '<p><a href="javascript:alert(1)">Click</a> <code>x = 1</code></p>\n'
        '<img src="https://old.example/remote.png" alt="Remote picture">\n'
        '<p>See<a class="footnote-ref" href="#gone">[9]</a></p>',
        KEY,
    )

    text = " ".join(block["value"] for block in converted.blocks)
    assert "The recording" in text and "Click" in text and "x = 1" in text
    assert "Remote picture" in text and "[9]" in text
    assert "javascript" not in text
    assert converted.warnings == [
        "body line 2: <video> has no block; kept as text",
        "body line 3: link to javascript:alert(1) removed; its text is kept",
        "body line 3: <code> formatting not kept; its text is",
        "body line 4: image https://old.example/remote.png not imported; kept as text",
        "body line 5: footnote reference to #gone has no footnote; kept as text",
    ]


def test_markup_in_the_text_stays_text():
    converted = convert_body("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>", KEY)

    assert converted.blocks[0]["value"] == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>"
