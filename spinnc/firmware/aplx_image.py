"""An APLX binary from a linked application's sections (the records of
:mod:`spinnc.formats.aplx`; ``spinnaker/FIRMWARE.md`` section 2).

spinnc's applications link their code, read-only data and the load image of
``.data`` into one ITCM image from address 0 (``runtime/spinnc.ld``), so an
APLX is a 64-byte header of four records, then that image::

    RCOPY  ITCM 0 <- the image (source relative to the record), its length
    FILL   ZI_BASE, ZI_LENGTH, 0        (dropped when there is no .bss)
    EXEC   0
    END    (zero records pad the header to four)

The start-up code also copies ``.data`` and zeroes ``.bss`` itself, so the
core starts the same however its TCMs were left.
"""

from ..formats.aplx import EXEC, FILL, ITCM, RCOPY, RECORD

HEADER_RECORDS = 4
HEADER_BYTES = HEADER_RECORDS * RECORD.size
ITCM_LIMIT = 0x7F00  # the loader lives above (FIRMWARE.md 2)
COPY_STEP = 32  # the loader copies and fills in whole 32-byte steps


def aplx_from_sections(image: bytes, zi_base: int, zi_length: int) -> bytes:
    """The APLX of an ITCM ``image`` (loaded at 0 and executed from 0) whose
    ``.bss`` is ``zi_length`` bytes at ``zi_base``.

    Raises
    ------
    ValueError
        If the image, rounded up to the loader's 32-byte steps, would reach
        the loader at 0x7F00.
    """
    image = bytes(image) + b"\0" * (-len(image) % 4)
    if -(-len(image) // COPY_STEP) * COPY_STEP > ITCM_LIMIT:
        raise ValueError(f"the ITCM image is {len(image)} bytes; with the loader's 32-byte "
                         f"steps it must end below {ITCM_LIMIT:#x}")
    records = [RECORD.pack(RCOPY, ITCM, HEADER_BYTES, len(image))]
    if zi_length:
        records.append(RECORD.pack(FILL, zi_base, zi_length, 0))
    records.append(RECORD.pack(EXEC, ITCM, 0, 0))
    while len(records) < HEADER_RECORDS:
        records.append(RECORD.pack(0, 0, 0, 0))  # END
    return b"".join(records) + image
