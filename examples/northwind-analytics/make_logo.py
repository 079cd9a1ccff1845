"""Draw the fictional Northwind Analytics logo as SVG and PNG: `python make_logo.py`.

A shield with a compass star; shapes only, so it needs no fonts.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
NAVY, TEAL, WHITE = "#14365D", "#1B998B", "#FFFFFF"
SIZE = 512
SHIELD = [(256, 24), (456, 96), (440, 300), (256, 488), (72, 300), (56, 96)]
STAR = [(256, 120), (284, 228), (392, 256), (284, 284), (256, 392), (228, 284), (120, 256), (228, 228)]


def svg() -> str:
    def points(shape):
        return " ".join(f"{x},{y}" for x, y in shape)

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}">\n'
        f'  <polygon points="{points(SHIELD)}" fill="{NAVY}"/>\n'
        f'  <circle cx="256" cy="256" r="150" fill="{TEAL}"/>\n'
        f'  <polygon points="{points(STAR)}" fill="{WHITE}"/>\n'
        "</svg>\n"
    )


def png() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon(SHIELD, fill=NAVY)
    draw.ellipse((106, 106, 406, 406), fill=TEAL)
    draw.polygon(STAR, fill=WHITE)
    return image


if __name__ == "__main__":
    (HERE / "logo.svg").write_text(svg(), encoding="utf-8")
    png().save(HERE / "logo.png", format="PNG", optimize=True)
